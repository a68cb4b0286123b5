// POST /api/generate, POST /api/chat, GET /api/ps.
//
// One request's path: parse the body into a struct (api/), resolve the model
// in the store, merge options (defaults < Modelfile PARAMETERs < request),
// lease a loaded runner from the scheduler, render the prompt, submit it,
// and relay the runner's stream as NDJSON (or one object when stream:false).
#include "api/options.h"
#include "api/requests.h"
#include "core/gojson.h"
#include "handlers/routes.h"
#include "handlers/model_prep.h"
#include "handlers/native.h"
#include "metrics/names.h"
#include "registry/auth.h"
#include "sched/scheduler.h"
#include "store/store.h"

#include <algorithm>
#include <chrono>
#include <functional>

namespace lokal::handlers {

namespace {

using steady = std::chrono::steady_clock;

// Request fields that belong to later work: refused loudly, never ignored.
status refuse_unsupported(bool has_images, const json & think, const std::string & model) {
    if (has_images) return make_error(errc::invalid_request, "images are not supported yet");
    if (!think.is_null() && !(think.is_boolean() && !think.get<bool>())) {
        return make_error(errc::invalid_request, "\"" + model + "\" does not support thinking");
    }
    return {};
}

int64_t ns(std::chrono::nanoseconds d) { return d.count(); }

// Images (base64 in the request) go to the engine as files, each standing
// at a media marker placed before the text, as Ollama places its image tags.
status attach_images(const prepared & p, const std::vector<std::string> & images, std::string & prompt,
                     engine::completion_request & creq) {
    if (images.empty()) return {};
    if (p.rec.projector_path.empty()) {
        return make_error(errc::invalid_request, p.rec.name.to_string() + " does not support vision");
    }
    std::string markers;
    for (size_t i = 0; i < images.size(); ++i) {
        auto bytes = registry::base64_decode(images[i]);
        if (!bytes) return make_error(errc::invalid_request, "images[" + std::to_string(i) + "] is not valid base64");
        creq.images.push_back(std::move(*bytes));
        markers += engine::media_marker();
    }
    prompt = markers + prompt;
    return {};
}

// Ollama's Metrics: zero fields are omitted.
void add_metrics(json & j, const engine::completion_stats & st, std::chrono::nanoseconds total,
                 std::chrono::nanoseconds load) {
    auto put = [&](const char * key, int64_t v) {
        if (v != 0) j[key] = v;
    };
    put("total_duration", ns(total));
    put("load_duration", ns(load));
    put("prompt_eval_count", st.prompt_eval_count);
    put("prompt_eval_duration", ns(st.prompt_eval_duration));
    put("eval_count", st.eval_count);
    put("eval_duration", ns(st.eval_duration));
}

// Ollama's "logprobs": token, logprob, bytes (omitted when empty) and the
// alternatives, each with its own token, logprob and bytes.
json logprobs_json(const std::vector<engine::output_logprob> & lps) {
    auto entry = [](const engine::token_logprob & t) {
        json j{{"token", t.token}, {"logprob", t.logprob}};
        if (!t.token.empty()) {
            json bytes = json::array();
            for (unsigned char c : t.token) bytes.push_back(static_cast<int>(c));
            j["bytes"] = std::move(bytes);
        }
        return j;
    };
    json out = json::array();
    for (const auto & lp : lps) {
        json j = entry(lp.chosen);
        if (!lp.top.empty()) {
            json top = json::array();
            for (const auto & t : lp.top) top.push_back(entry(t));
            j["top_logprobs"] = std::move(top);
        }
        out.push_back(std::move(j));
    }
    return out;
}

using logprob_list = std::vector<engine::output_logprob>;

// How each route shapes its objects.
struct shape {
    bool chat = false;
    std::string model;
    // With logprobs, objects are written by Go's rules (float forms differ
    // from nlohmann's: "1e-7", not "1e-07").
    bool go_encoding = false;

    std::string encode(const json & j) const {
        return go_encoding ? gofmt::dump_json(j) : j.dump(-1, ' ', false, json::error_handler_t::replace);
    }

    void send(http::response & res, const json & j) const {
        if (!go_encoding) return http::set_json(res, j);
        res.status = 200;
        res.content_type = "application/json; charset=utf-8";
        res.body = encode(j);
    }

    json chunk(const std::string & text, const logprob_list & lp) const {
        json j = chunk(text);
        if (!lp.empty()) j["logprobs"] = logprobs_json(lp);
        return j;
    }

    json chunk(const std::string & text) const {
        json j{{"model", model}, {"created_at", api::timestamp_now()}};
        if (chat) {
            j["message"] = json{{"role", "assistant"}, {"content", text}};
        } else {
            j["response"] = text;
        }
        j["done"] = false;
        return j;
    }

    json final(const std::string & text, const std::string & reason) const {
        json j{{"model", model}, {"created_at", api::timestamp_now()}};
        if (chat) {
            j["message"] = json{{"role", "assistant"}, {"content", text}};
            j["done_reason"] = reason;
            j["done"] = true;
        } else {
            j["response"] = text;
            j["done"] = true;
            j["done_reason"] = reason;
        }
        return j;
    }

    // Ollama's answer to "_debug_render_only": a response with no text and
    // done left false (as Ollama leaves it), plus the prompt it would run.
    json debug(const std::string & prompt) const {
        json j{{"model", model}, {"created_at", api::timestamp_now()}};
        if (chat) {
            j["message"] = json{{"role", ""}, {"content", ""}};
        } else {
            j["response"] = "";
        }
        j["done"] = false;
        // image_count is omitted when zero, and images are refused for now.
        j["_debug_info"] = json{{"rendered_template", prompt}};
        return j;
    }

    json done(const std::string & text, const engine::completion_stats & st, steady::time_point t0,
              std::chrono::nanoseconds load, const logprob_list & lp = {}) const {
        json j = final(text, st.done_reason);
        // Ollama's field order: chat has logprobs before the metrics,
        // generate at the very end.
        if (chat && !lp.empty()) j["logprobs"] = logprobs_json(lp);
        if (!chat && !st.context.empty()) j["context"] = st.context;
        add_metrics(j, st, steady::now() - t0, load);
        if (!chat && !lp.empty()) j["logprobs"] = logprobs_json(lp);
        return j;
    }
};

// Empty prompt or messages: only load or unload, like Ollama.
void load_or_unload(context & ctx, const prepared & p, const shape & sh, http::response & res) {
    if (p.keep_alive.count() == 0) {
        ctx.sched.unload(p.key);
        http::set_json(res, sh.final("", "unload"));
        return;
    }
    auto l = ctx.sched.acquire(p.key, p.label, p.load, p.keep_alive);
    if (!l) return http::set_error(res, l.err());
    http::set_json(res, sh.final("", "load"));
}

struct running {
    sched::lease lease;
    std::unique_ptr<engine::completion_stream> stream;
    shape sh;
    steady::time_point t0;
    std::chrono::nanoseconds load{0};  // request start until the model was ready, as Ollama counts it
    metrics::registry * metrics = nullptr;

    // Counts a finished completion's tokens and duration.
    void record(const engine::completion_stats & st) const {
        std::chrono::duration<double> took = steady::now() - t0;
        metrics->add(metrics::prompt_tokens_total, st.prompt_eval_count);
        metrics->add(metrics::cached_prompt_tokens_total, st.prompt_cached);
        metrics->add(metrics::generated_tokens_total, st.eval_count);
        metrics->observe(metrics::request_duration_seconds, took.count());
    }
};

// How often a relay that is waiting for the model checks its client.
constexpr std::chrono::milliseconds client_check{250};

// Relays the runner's stream. Whenever the model is quiet for a moment the
// relay checks that the client is still there; when it is gone, returning
// destroys the stream, which cancels the task and frees the slot.
void relay(const std::shared_ptr<running> & r, bool stream, const http::request & req, http::response & res) {
    if (stream) {
        res.content_type = "application/x-ndjson";
        res.stream = [r](http::stream_writer & w) {
            for (;;) {
                auto item = r->stream->next_for(client_check);
                if (!item) {
                    if (!w.alive()) return;
                    continue;
                }
                json j;
                if (item->type == engine::stream_item::kind::chunk) {
                    j = r->sh.chunk(item->text, item->logprobs);
                } else if (item->type == engine::stream_item::kind::done) {
                    r->record(item->stats);
                    j = r->sh.done("", item->stats, r->t0, r->load, item->logprobs);
                } else {
                    j = json{{"error", item->err.message}};
                }
                if (!w.write(r->sh.encode(j) + "\n")) return;
                if (item->type != engine::stream_item::kind::chunk) return;
            }
        };
        return;
    }
    std::string text;
    logprob_list logprobs;
    auto next_check = steady::now() + client_check;
    for (;;) {
        auto item = r->stream->next_for(client_check);
        // Nothing is written until the end, so look at the socket every
        // client_check, busy or not.
        if (steady::now() >= next_check) {
            if (req.is_closed()) return http::set_error(res, make_error(errc::canceled, "client disconnected"));
            next_check = steady::now() + client_check;
        }
        if (!item) continue;
        logprobs.insert(logprobs.end(), item->logprobs.begin(), item->logprobs.end());
        if (item->type == engine::stream_item::kind::chunk) {
            text += item->text;
        } else if (item->type == engine::stream_item::kind::done) {
            r->record(item->stats);
            return r->sh.send(res, r->sh.done(text, item->stats, r->t0, r->load, logprobs));
        } else {
            return http::set_error(res, item->err);
        }
    }
}

// Renders the prompt; the runner is null when the template needs no model.
using render_fn = std::function<result<std::string>(engine::runner *)>;

// "_debug_render_only": one object with the rendered prompt, streamed or not,
// like Ollama. A Go template renders without the model; the GGUF's Jinja
// template lives in the model, so only then is a runner leased.
void render_only(context & ctx, prepared & p, const std::string & raw_prompt, const render_fn & render,
                 const shape & sh, http::response & res) {
    if (!render) return http::set_json(res, sh.debug(raw_prompt));
    if (p.go_template) {
        auto prompt = render(nullptr);
        if (!prompt) return http::set_error(res, prompt.err());
        return http::set_json(res, sh.debug(*prompt));
    }
    auto l = ctx.sched.acquire(p.key, p.label, p.load, p.keep_alive);
    if (!l) return http::set_error(res, l.err());
    sched::lease lease = std::move(*l);
    auto prompt = render(&*lease);
    if (!prompt) return http::set_error(res, prompt.err());
    http::set_json(res, sh.debug(*prompt));
}

// Leases the model, renders the prompt with it (the chat template lives in
// the loaded model) and relays the completion.
void run_completion(context & ctx, prepared & p, engine::completion_request creq, const render_fn & render,
                    const shape & sh, steady::time_point t0, bool stream, const http::request & req,
                    http::response & res) {
    auto l = ctx.sched.acquire(p.key, p.label, p.load, p.keep_alive);
    if (!l) return http::set_error(res, l.err());
    auto r = std::make_shared<running>();
    r->lease = std::move(*l);
    r->sh = sh;
    r->t0 = t0;
    r->load = steady::now() - t0;
    r->metrics = &ctx.metrics;
    if (render) {
        auto prompt = render(&*r->lease);
        if (!prompt) return http::set_error(res, prompt.err());
        creq.prompt = std::move(*prompt);
    }
    auto s = r->lease->submit(std::move(creq));
    if (!s) return http::set_error(res, s.err());
    r->stream = std::move(*s);
    relay(r, stream, req, res);
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
    if (auto st = refuse_unsupported(false, g->think, g->model); !st) {
        return http::set_error(res, st.err());
    }
    auto p = prepare(ctx, g->model, g->options, g->keep_alive, g->template_text);
    if (!p) return http::set_error(res, p.err());
    shape sh{false, g->model, g->logprobs};
    if (g->prompt.empty() && g->context.empty()) return load_or_unload(ctx, *p, sh, res);

    engine::completion_request creq = completion_from(*p);
    if (auto st = attach_images(*p, g->images, g->prompt, creq); !st) return http::set_error(res, st.err());
    creq.context = g->context;
    creq.format = g->format;
    // Ollama returns no context for raw prompts; an image has no token ids
    // a later request could send back.
    creq.want_context = !g->raw && g->images.empty();
    creq.logprobs = g->logprobs;
    creq.top_logprobs = g->top_logprobs;
    render_fn render;
    if (g->raw) {
        creq.prompt = g->prompt;
    } else {
        render = [&](engine::runner * r) {
            return render_generate_prompt(r, *p, g->system, g->prompt, g->suffix, !g->context.empty());
        };
    }
    if (g->debug_render_only) return render_only(ctx, *p, creq.prompt, render, sh, res);
    run_completion(ctx, *p, std::move(creq), render, sh, t0, g->stream, req, res);
}

void chat(context & ctx, const http::request & req, http::response & res) {
    auto t0 = steady::now();
    auto body = http::parse_json_body(req);
    if (!body) return http::set_error(res, body.err());
    auto c = api::parse_chat(*body);
    if (!c) return http::set_error(res, c.err());
    bool images = false;
    for (const auto & m : c->messages) images = images || !m.images.empty();
    if (auto st = refuse_unsupported(images, c->think, c->model); !st) {
        return http::set_error(res, st.err());
    }
    if (!c->tools.is_null() && !(c->tools.is_array() && c->tools.empty())) {
        return http::set_error(res, make_error(errc::invalid_request, "\"" + c->model + "\" does not support tools"));
    }
    auto p = prepare(ctx, c->model, c->options, c->keep_alive);
    if (!p) return http::set_error(res, p.err());
    shape sh{true, c->model, c->logprobs};
    if (c->messages.empty()) return load_or_unload(ctx, *p, sh, res);

    engine::completion_request creq = completion_from(*p);
    creq.format = c->format;
    creq.logprobs = c->logprobs;
    creq.top_logprobs = c->top_logprobs;
    render_fn render = [&](engine::runner * r) { return render_chat_prompt(r, *p, c->messages); };
    if (c->debug_render_only) return render_only(ctx, *p, "", render, sh, res);
    run_completion(ctx, *p, std::move(creq), render, sh, t0, c->stream, req, res);
}

void ps(context & ctx, http::response & res) {
    json models = json::array();
    // "Forever", kept within the clock's range.
    auto far = std::chrono::system_clock::now() + std::chrono::hours(24 * 365 * 200);
    auto loaded = ctx.sched.list();
    // Like Ollama: the model that stays longest comes first.
    std::stable_sort(loaded.begin(), loaded.end(),
                     [](const auto & a, const auto & b) { return a.expires_at > b.expires_at; });
    for (const auto & m : loaded) {
        auto expires = std::min(m.expires_at, far);
        if (m.in_use) expires = std::chrono::system_clock::now() + ctx.cfg.keep_alive;
        models.push_back(json{
            {"name", m.label.name},
            {"model", m.label.name},
            {"size", m.facts.size_bytes},
            {"digest", m.label.digest},
            {"details", m.label.details},
            {"expires_at", api::format_timestamp(expires, true)},
            {"size_vram", m.facts.vram_bytes},
            {"context_length", m.facts.context_length},
        });
    }
    http::set_json(res, json{{"models", models}});
}

}  // namespace

void register_inference_routes(http::server & srv, context & ctx) {
    srv.route("POST", "/api/generate", [&ctx](const http::request & q, http::response & r) { generate(ctx, q, r); });
    srv.route("POST", "/api/chat", [&ctx](const http::request & q, http::response & r) { chat(ctx, q, r); });
    srv.route("GET", "/api/ps", [&ctx](const http::request &, http::response & r) { ps(ctx, r); });
}

void native_generate(context & ctx, const http::request & req, http::response & res) {
    generate(ctx, req, res);
}
void native_chat(context & ctx, const http::request & req, http::response & res) {
    chat(ctx, req, res);
}

}  // namespace lokal::handlers
