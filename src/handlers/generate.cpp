// POST /api/generate: Ollama's GenerateHandler (raw, system, template,
// suffix, context, format, think, and lokal's raw GBNF "grammar").
#include "api/requests.h"
#include "handlers/chat_render.h"
#include "handlers/inference.h"

namespace lokal::handlers {

status check_output_constraints(const json & format, const std::string & grammar) {
    if (!format.is_null() && !grammar.empty()) {
        return make_error(errc::invalid_request, "format and grammar cannot be used together");
    }
    return {};
}

void generate(context & ctx, const http::request & req, http::response & res) {
    auto t0 = steady::now();
    auto body = http::parse_json_body(req);
    if (!body) return http::set_error(res, body.err());
    auto g = api::parse_generate(*body);
    if (!g) return http::set_error(res, g.err());
    if (g->raw && ((g->template_text && !g->template_text->empty()) || (g->system && !g->system->empty()) ||
                   !g->context.empty())) {
        return http::set_error(res, make_error(errc::invalid_request,
                                               "raw mode does not support template, system, or context"));
    }
    if (auto st = check_output_constraints(g->format, g->grammar); !st) return http::set_error(res, st.err());
    auto p = prepare(ctx, g->model, g->options, g->keep_alive, g->template_text);
    if (!p) return http::set_error(res, p.err());
    capability_request want{g->model, false, false, !g->suffix.empty(), g->think};
    if (auto st = check_capabilities(*p, want); !st) return http::set_error(res, st.err());
    shape sh{false, g->model};
    if (g->prompt.empty() && g->context.empty()) return load_or_unload(ctx, *p, sh, res);

    engine::completion_request creq = completion_from(*p);
    if (auto st = attach_images(*p, g->images, g->prompt, creq); !st) return http::set_error(res, st.err());
    creq.context = g->context;
    creq.format = g->format;
    creq.grammar = g->grammar;
    // Ollama returns no context for raw prompts; an image has no token ids
    // a later request could send back.
    creq.want_context = !g->raw && g->images.empty();
    creq.logprobs = g->logprobs;
    creq.shift = g->shift;
    creq.top_logprobs = g->top_logprobs;
    render_fn render;
    if (g->raw) {
        creq.prompt = g->prompt;
    } else {
        render = [&](engine::runner * r) {
            generate_inputs in;
            in.model = g->model;
            in.system = g->system;
            in.prompt = g->prompt;
            in.suffix = g->suffix;
            in.has_context = !g->context.empty();
            in.think = g->think;
            in.truncate = g->truncate;
            return render_generate(r, *p, in);
        };
    }
    if (!g->truncate && !g->debug_render_only) {
        // Without truncation a prompt that does not fit is refused before it runs.
        render = [&, inner = std::move(render)](engine::runner * r) -> result<engine::chat_prompt> {
            engine::chat_prompt out;
            if (inner) {
                auto cp = inner(r);
                if (!cp) return cp.err();
                out = std::move(*cp);
            } else {
                out.prompt = g->prompt;
                out.parser = std::make_unique<chat::plain_parser>();
            }
            if (auto st = check_fits(*r, *p, out.prompt, g->context.size()); !st) return st.err();
            return out;
        };
    }
    if (g->debug_render_only) return render_only(ctx, *p, creq.prompt, render, sh, res, creq.images.size());
    run_completion(ctx, *p, std::move(creq), render, sh, t0, g->stream, req, res);
}

}  // namespace lokal::handlers
