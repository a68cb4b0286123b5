// Anthropic's Messages API on /v1/messages: translate (compat/anthropic),
// run native /api/chat through compat_bridge, translate back. Errors are
// Anthropic's shape with the native status.
#include "compat/anthropic/anthropic.h"
#include "compat/common.h"
#include "handlers/compat_bridge.h"
#include "handlers/native.h"
#include "handlers/routes.h"

#include <algorithm>
#include <memory>

namespace lokal::handlers {

namespace {

namespace an = compat::anthropic;
namespace bridge = compat_bridge;

// Parses and translates; on failure the error is already in res.
template <class F>
std::optional<an::plan> translate(const http::request & req, http::response & res, F && fn) {
    auto body = http::parse_json_body(req);
    if (!body) {
        bridge::send_error(res, compat::anthropic_error, body.err());
        return std::nullopt;
    }
    auto p = fn(*body);
    if (!p) {
        bridge::send_error(res, compat::anthropic_error, p.err());
        return std::nullopt;
    }
    return std::move(*p);
}

// Claude Code and other Anthropic clients ask every model to think. As in
// Ollama (its "relax_thinking"), the request is dropped for a model that
// cannot think, where /api/chat answers 400 "does not support thinking".
void relax_thinking(context & ctx, const http::request & req, json & native) {
    auto it = native.find("think");
    if (it == native.end() || it->is_null() || (it->is_boolean() && !it->get<bool>())) return;
    auto show = [&ctx](const http::request & q, http::response & r) { native_show(ctx, q, r); };
    auto shown = bridge::call(show, req, json{{"model", native.value("model", "")}});
    if (!shown.ok()) return;  // the chat itself reports the missing model
    const json caps = shown.body.value("capabilities", json::array());
    if (std::find(caps.begin(), caps.end(), "thinking") == caps.end()) native.erase("think");
}

void messages(context & ctx, const http::request & req, http::response & res) {
    auto p = translate(req, res, an::messages_request);
    if (!p) return;
    relax_thinking(ctx, req, p->native);
    auto native = [&ctx](const http::request & q, http::response & r) { native_chat(ctx, q, r); };
    std::vector<bridge::outcome> outs;
    outs.push_back(bridge::call(native, req, p->native));
    if (!outs[0].ok()) return bridge::send_failure(res, compat::anthropic_error, outs[0]);
    std::string id = compat::random_hex_id("msg_");
    if (!p->stream) return http::set_json(res, an::message(id, p->model, outs[0].body));
    auto conv = std::make_shared<an::stream_converter>(id, p->model);
    auto shared_outs = std::make_shared<std::vector<bridge::outcome>>(std::move(outs));
    res.content_type = "text/event-stream";
    res.headers.emplace_back("Cache-Control", "no-cache");
    res.stream = [conv, shared_outs](http::stream_writer & w) {
        try {
            bridge::relay(*shared_outs, w, [conv](size_t, const json & obj, http::stream_writer & out) {
                return out.write(conv->on_native(obj)) && !obj.contains("error");
            });
        } catch (const std::exception & e) {
            w.write(compat::sse_event("error", compat::anthropic_error(500, std::string("internal error: ") + e.what())));
        }
    };
}

void count_tokens(context & ctx, const http::request & req, http::response & res) {
    auto p = translate(req, res, an::count_tokens_request);
    if (!p) return;
    auto native = [&ctx](const http::request & q, http::response & r) { native_chat(ctx, q, r); };
    auto rendered = bridge::call(native, req, p->native);
    if (!rendered.ok()) return bridge::send_failure(res, compat::anthropic_error, rendered);
    auto tokenize = [&ctx](const http::request & q, http::response & r) { native_tokenize(ctx, q, r); };
    auto tokens = bridge::call(tokenize, req, an::tokenize_request(p->model, rendered.body));
    if (!tokens.ok()) return bridge::send_failure(res, compat::anthropic_error, tokens);
    size_t n = tokens.body.contains("tokens") && tokens.body["tokens"].is_array() ? tokens.body["tokens"].size() : 0;
    http::set_json(res, json{{"input_tokens", n}});
}

}  // namespace

void register_anthropic_routes(http::server & srv, context & ctx) {
    srv.route("POST", "/v1/messages", [&ctx](const http::request & q, http::response & r) { messages(ctx, q, r); });
    srv.route("POST", "/v1/messages/count_tokens",
              [&ctx](const http::request & q, http::response & r) { count_tokens(ctx, q, r); });
}

}  // namespace lokal::handlers
