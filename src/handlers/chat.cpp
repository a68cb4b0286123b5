// POST /api/chat: Ollama's ChatHandler with tools, tool_choice (lokal's
// extension), thinking, format and lokal's raw GBNF "grammar".
#include "api/requests.h"
#include "handlers/chat_render.h"
#include "handlers/inference.h"

namespace lokal::handlers {

void chat(context & ctx, const http::request & req, http::response & res) {
    auto t0 = steady::now();
    auto body = http::parse_json_body(req);
    if (!body) return http::set_error(res, body.err());
    auto c = api::parse_chat(*body);
    if (!c) return http::set_error(res, c.err());
    if (auto st = check_output_constraints(c->format, c->grammar); !st) return http::set_error(res, st.err());
    bool forced = c->tool_choice.how == api::tool_choice::mode::required ||
                  c->tool_choice.how == api::tool_choice::mode::function;
    if (forced && (!c->format.is_null() || !c->grammar.empty())) {
        return http::set_error(res, make_error(errc::invalid_request,
                                               "tool_choice \"required\" or a named function cannot be combined "
                                               "with format or grammar"));
    }
    auto p = prepare(ctx, c->model, c->options, c->keep_alive);
    if (!p) return http::set_error(res, p.err());
    capability_request want{c->model, true, c->tools.is_array() && !c->tools.empty(), false, c->think};
    if (auto st = check_capabilities(*p, want); !st) return http::set_error(res, st.err());
    shape sh{true, c->model};
    if (c->messages.empty()) return load_or_unload(ctx, *p, sh, res);

    engine::completion_request creq = completion_from(*p);
    // The images of all messages, numbered in order as render_chat tags them.
    for (size_t i = 0; i < c->messages.size(); ++i) {
        auto files = decode_images(*p, c->messages[i].images, "messages[" + std::to_string(i) + "].images");
        if (!files) return http::set_error(res, files.err());
        for (auto & f : *files) creq.images.push_back(std::move(f));
    }
    creq.format = c->format;
    creq.grammar = c->grammar;
    creq.logprobs = c->logprobs;
    creq.shift = c->shift;
    creq.top_logprobs = c->top_logprobs;
    render_fn render = [&](engine::runner * r) {
        chat_inputs in;
        in.model = c->model;
        in.messages = c->messages;
        in.tools = c->tools;
        in.choice = c->tool_choice;
        in.think = c->think;
        in.truncate = c->truncate;
        auto out = render_chat(r, *p, in);
        // Without truncation a prompt that does not fit is refused before
        // it runs (a debug render shows it whole, as Ollama's does).
        if (out && r && !c->truncate && !c->debug_render_only) {
            if (auto st = check_fits(*r, *p, out->prompt); !st) return result<engine::chat_prompt>(st.err());
        }
        return out;
    };
    if (c->debug_render_only) return render_only(ctx, *p, "", render, sh, res, creq.images.size());
    run_completion(ctx, *p, std::move(creq), render, sh, t0, c->stream, req, res);
}

}  // namespace lokal::handlers
