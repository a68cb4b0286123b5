// OpenAI's API on /v1: each route translates the request (compat/openai),
// runs the native handler through compat_bridge, and translates the answer.
// Errors are OpenAI's shape with the native status.
#include "compat/common.h"
#include "compat/openai/openai.h"
#include "compat/openai/responses_api.h"
#include "handlers/compat_bridge.h"
#include "handlers/native.h"
#include "handlers/routes.h"

#include <memory>

namespace lokal::handlers {

namespace {

namespace oa = compat::openai;
namespace bridge = compat_bridge;

result<json> body_of(const http::request & req) { return http::parse_json_body(req); }

// The pieces both completion routes stream with.
struct stream_state {
    oa::stamp stamp;
    std::vector<bridge::outcome> outs;
    std::vector<json> finals;          // each choice's last native object
    std::vector<bool> tool_call_sent;  // per choice
    std::vector<bool> started;         // per choice: something was written
    bool include_usage = false;
    size_t prompts = 1;
};

// Native stream error objects become OpenAI's error event; the stream ends.
bool write_native_error(const json & obj, http::stream_writer & w) {
    if (!obj.contains("error")) return true;
    std::string msg = obj["error"].is_string() ? obj["error"].get<std::string>() : compat::dump(obj["error"]);
    w.write(compat::sse_data(compat::openai_error(500, msg)));
    return false;
}

// Streams the choices as SSE, then the usage chunk (when asked) and [DONE].
void stream_choices(const std::shared_ptr<stream_state> & st, const char * object, const bridge::line_fn & chunk,
                    http::response & res) {
    res.content_type = "text/event-stream";
    res.headers.emplace_back("Cache-Control", "no-cache");
    res.stream = [st, object, chunk](http::stream_writer & w) {
        // The producer runs outside the handler's exception guard.
        try {
            if (!bridge::relay(st->outs, w, chunk)) return;
            if (st->include_usage) {
                w.write(compat::sse_data(oa::usage_chunk(st->stamp, object, oa::usage(st->finals, st->prompts))));
            }
            w.write("data: [DONE]\n\n");
        } catch (const std::exception & e) {
            w.write(compat::sse_data(compat::openai_error(500, std::string("internal error: ") + e.what())));
        }
    };
}

std::shared_ptr<stream_state> new_stream(const oa::plan & p, const char * id_prefix,
                                         std::vector<bridge::outcome> outs) {
    auto st = std::make_shared<stream_state>();
    st->stamp = oa::stamp{compat::random_digits_id(id_prefix, 3), compat::unix_now(), p.model};
    st->outs = std::move(outs);
    st->finals.resize(st->outs.size());
    st->tool_call_sent.resize(st->outs.size());
    st->started.resize(st->outs.size());
    st->include_usage = p.include_usage;
    return st;
}

void chat_completions(context & ctx, const http::request & req, http::response & res) {
    auto body = body_of(req);
    if (!body) return bridge::send_error(res, compat::openai_error, body.err());
    auto p = oa::chat_request(*body);
    if (!p) return bridge::send_error(res, compat::openai_error, p.err());
    auto native = [&ctx](const http::request & q, http::response & r) { native_chat(ctx, q, r); };
    auto outs = bridge::call_all(native, req, p->natives);
    if (auto f = bridge::first_failure(outs)) return bridge::send_failure(res, compat::openai_error, *f);
    if (!p->stream) {
        std::vector<json> finals;
        for (auto & o : outs) finals.push_back(std::move(o.body));
        oa::stamp s{compat::random_digits_id("chatcmpl-", 3), compat::unix_now(), p->model};
        return http::set_json(res, oa::chat_completion(s, finals));
    }
    auto st = new_stream(*p, "chatcmpl-", std::move(outs));
    auto chunk = [st](size_t i, const json & obj, http::stream_writer & w) {
        if (!write_native_error(obj, w)) return false;
        bool sent = st->tool_call_sent[i];
        json c = oa::chat_chunk(st->stamp, static_cast<int>(i), obj, sent);
        st->tool_call_sent[i] = sent;
        st->finals[i] = obj;
        return w.write(compat::sse_data(c));
    };
    stream_choices(st, "chat.completion.chunk", chunk, res);
}

void completions(context & ctx, const http::request & req, http::response & res) {
    auto body = body_of(req);
    if (!body) return bridge::send_error(res, compat::openai_error, body.err());
    auto p = oa::completion_request(*body);
    if (!p) return bridge::send_error(res, compat::openai_error, p.err());
    size_t prompts = 1;
    if (auto it = body->find("prompt"); it != body->end() && it->is_array()) prompts = it->size();
    auto native = [&ctx](const http::request & q, http::response & r) { native_generate(ctx, q, r); };
    auto outs = bridge::call_all(native, req, p->natives);
    if (auto f = bridge::first_failure(outs)) return bridge::send_failure(res, compat::openai_error, *f);
    if (!p->stream) {
        std::vector<json> finals;
        for (auto & o : outs) finals.push_back(std::move(o.body));
        oa::stamp s{compat::random_digits_id("cmpl-", 3), compat::unix_now(), p->model};
        return http::set_json(res, oa::completion(s, finals, p->echo, prompts));
    }
    auto st = new_stream(*p, "cmpl-", std::move(outs));
    st->prompts = prompts;
    std::string echo = p->echo;
    auto chunk = [st, echo](size_t i, const json & obj, http::stream_writer & w) {
        if (!write_native_error(obj, w)) return false;
        std::string text = obj.value("response", std::string());
        if (!st->started[i]) text = echo + text;
        st->started[i] = true;
        st->finals[i] = obj;
        return w.write(compat::sse_data(oa::completion_chunk(st->stamp, static_cast<int>(i), text, obj)));
    };
    stream_choices(st, "text_completion", chunk, res);
}

void list_models(context & ctx, http::response & res) {
    http::response native;
    native_tags(ctx, native);
    if (native.status != 200) return bridge::send_error(res, compat::openai_error, native.status, compat::native_error_message(native.body));
    http::set_json(res, oa::model_list(json::parse(native.body, nullptr, false)));
}

void get_model(context & ctx, const http::request & req, http::response & res) {
    // The id may hold "/" (namespace/model:tag): everything after the prefix.
    std::string id = req.path.substr(std::string_view("/v1/models/").size());
    auto native = [&ctx](const http::request & q, http::response & r) { native_show(ctx, q, r); };
    auto out = bridge::call(native, req, json{{"model", id}});
    if (!out.ok()) return bridge::send_failure(res, compat::openai_error, out);
    http::set_json(res, oa::model_object(id, out.body));
}

void embeddings(context & ctx, const http::request & req, http::response & res) {
    auto body = body_of(req);
    if (!body) return bridge::send_error(res, compat::openai_error, body.err());
    auto p = oa::embeddings_request(*body);
    if (!p) return bridge::send_error(res, compat::openai_error, p.err());
    auto native = [&ctx](const http::request & q, http::response & r) { native_embed(ctx, q, r); };
    auto out = bridge::call(native, req, p->native);
    if (!out.ok()) return bridge::send_failure(res, compat::openai_error, out);
    http::set_json(res, oa::embedding_list(*p, out.body));
}

// POST /v1/responses: one native chat; a stream becomes Responses events
// (no "[DONE]": the Responses stream ends with response.completed).
void responses(context & ctx, const http::request & req, http::response & res) {
    auto body = body_of(req);
    if (!body) return bridge::send_error(res, compat::openai_error, body.err());
    auto p = oa::responses_request(*body);
    if (!p) return bridge::send_error(res, compat::openai_error, p.err());
    auto native = [&ctx](const http::request & q, http::response & r) { native_chat(ctx, q, r); };
    auto outs = bridge::call_all(native, req, p->chat.natives);
    if (auto f = bridge::first_failure(outs)) return bridge::send_failure(res, compat::openai_error, *f);
    const std::string id = compat::random_hex_id("resp_");
    if (!p->chat.stream) return http::set_json(res, oa::response_object(p->echo, id, compat::unix_now(), outs[0].body));
    struct state {
        std::vector<bridge::outcome> outs;
        oa::response_stream events;
    };
    auto st = std::make_shared<state>(state{std::move(outs), oa::response_stream(p->echo, id, compat::unix_now())});
    res.content_type = "text/event-stream";
    res.headers.emplace_back("Cache-Control", "no-cache");
    res.stream = [st](http::stream_writer & w) {
        try {
            if (!w.write(st->events.start())) return;
            bridge::relay(st->outs, w, [st](size_t, const json & obj, http::stream_writer & out) {
                std::string events = st->events.add(obj);
                return (events.empty() || out.write(events)) && !st->events.finished();
            });
        } catch (const std::exception & e) {
            w.write(compat::sse_event("error", json{{"type", "error"}, {"code", nullptr},
                                                    {"message", std::string("internal error: ") + e.what()},
                                                    {"param", nullptr}}));
        }
    };
}

}  // namespace

void register_openai_routes(http::server & srv, context & ctx) {
    srv.route("POST", "/v1/chat/completions",
              [&ctx](const http::request & q, http::response & r) { chat_completions(ctx, q, r); });
    srv.route("POST", "/v1/completions", [&ctx](const http::request & q, http::response & r) { completions(ctx, q, r); });
    srv.route("POST", "/v1/responses", [&ctx](const http::request & q, http::response & r) { responses(ctx, q, r); });
    srv.route("POST", "/v1/embeddings", [&ctx](const http::request & q, http::response & r) { embeddings(ctx, q, r); });
    srv.route("GET", "/v1/models", [&ctx](const http::request &, http::response & r) { list_models(ctx, r); });
    srv.route("GET", "/v1/models/(.+)",
              [&ctx](const http::request & q, http::response & r) { get_model(ctx, q, r); });
}

}  // namespace lokal::handlers
