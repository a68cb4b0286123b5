// The relay shared by POST /api/generate (generate.cpp) and POST /api/chat
// (chat.cpp), and GET /api/ps.
//
// One request's path: parse the body into a struct (api/), resolve the model
// in the store, merge options (defaults < Modelfile PARAMETERs < request),
// lease a loaded runner from the scheduler, render the prompt, submit it,
// and relay the runner's stream, through the output parser (content,
// thinking, tool calls), as NDJSON (or one object when stream:false).
#include "handlers/inference.h"

#include "api/options.h"
#include "api/requests.h"
#include "handlers/chat_render.h"
#include "handlers/routes.h"
#include "handlers/native.h"
#include "metrics/names.h"
#include "registry/auth.h"
#include "sched/scheduler.h"
#include "store/store.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <optional>

namespace lokal::handlers {

namespace {

int64_t ns(std::chrono::nanoseconds d) { return d.count(); }

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

}  // namespace

result<std::vector<std::string>> decode_images(const prepared & p, const std::vector<std::string> & images,
                                               const std::string & where) {
    std::vector<std::string> out;
    if (images.empty()) return out;
    if (p.rec.projector_path.empty()) {
        return make_error(errc::invalid_request, p.rec.name.to_string() + " does not support vision");
    }
    for (size_t i = 0; i < images.size(); ++i) {
        auto bytes = registry::base64_decode(images[i]);
        if (!bytes) {
            return make_error(errc::invalid_request, where + "[" + std::to_string(i) + "] is not valid base64");
        }
        out.push_back(std::move(*bytes));
    }
    return out;
}

status attach_images(const prepared & p, const std::vector<std::string> & images, std::string & prompt,
                     engine::completion_request & creq) {
    auto decoded = decode_images(p, images, "images");
    if (!decoded) return decoded.err();
    std::string tags;
    for (size_t i = 0; i < decoded->size(); ++i) tags += "[img-" + std::to_string(i) + "]";
    creq.images = std::move(*decoded);
    prompt = tags + prompt;
    return {};
}

// Ollama's runner splits the prompt at each [img-N] and puts image N there;
// mtmd wants its marker at each image and the files in marker order.
status place_images(engine::completion_request & creq) {
    if (creq.images.empty()) return {};
    std::vector<std::string> ordered;
    std::string out;
    const std::string & in = creq.prompt;
    size_t pos = 0;
    for (size_t at = in.find("[img-"); at != std::string::npos; at = in.find("[img-", at + 1)) {
        size_t digits = at + 5, end = digits;
        while (end < in.size() && end - digits < 6 && in[end] >= '0' && in[end] <= '9') ++end;
        if (end == digits || end >= in.size() || in[end] != ']') continue;
        size_t id = std::stoul(in.substr(digits, end - digits));
        if (id >= creq.images.size()) {
            return make_error(errc::invalid_request, "invalid image index: " + std::to_string(id));
        }
        out.append(in, pos, at - pos);
        out += engine::media_marker();
        ordered.push_back(creq.images[id]);
        pos = end + 1;
    }
    out.append(in, pos, std::string::npos);
    creq.prompt = std::move(out);
    creq.images = std::move(ordered);
    return {};
}

std::string shape::encode(const json & j) const { return http::json_text(j); }

void shape::send(http::response & res, const json & j) const { http::set_json(res, j); }

// Ollama's Message: role, content, then thinking and tool_calls when set.
json shape::chunk(const chat::delta & d, const logprob_list & lp) const {
    json j{{"model", model}, {"created_at", api::timestamp_now()}};
    if (chat) {
        json m{{"role", "assistant"}, {"content", d.content}};
        if (!d.thinking.empty()) m["thinking"] = d.thinking;
        if (!d.tool_calls.empty()) m["tool_calls"] = d.tool_calls;
        j["message"] = std::move(m);
    } else {
        j["response"] = d.content;
        if (!d.thinking.empty()) j["thinking"] = d.thinking;
    }
    j["done"] = false;
    if (!lp.empty()) j["logprobs"] = logprobs_json(lp);
    return j;
}

json shape::final(const chat::delta & d, const std::string & reason) const {
    json j = chunk(d);
    if (chat) {
        j.erase("done");  // ChatResponse has done_reason before done
        j["done_reason"] = reason;
        j["done"] = true;
    } else {
        j["done"] = true;
        j["done_reason"] = reason;
    }
    return j;
}

// Ollama's answer to "_debug_render_only": a response with no text and
// done left false (as Ollama leaves it), plus the prompt it would run.
json shape::debug(const std::string & prompt, size_t images) const {
    json j{{"model", model}, {"created_at", api::timestamp_now()}};
    if (chat) {
        j["message"] = json{{"role", ""}, {"content", ""}};
    } else {
        j["response"] = "";
    }
    j["done"] = false;
    j["_debug_info"] = json{{"rendered_template", prompt}};
    if (images > 0) j["_debug_info"]["image_count"] = images;  // omitempty
    return j;
}

json shape::done(const chat::delta & d, const engine::completion_stats & st, steady::time_point t0,
                 std::chrono::nanoseconds load, const logprob_list & lp) const {
    json j = final(d, st.done_reason);
    // Ollama's field order: chat has logprobs before the metrics,
    // generate at the very end.
    if (chat && !lp.empty()) j["logprobs"] = logprobs_json(lp);
    if (!chat && !st.context.empty()) j["context"] = st.context;
    add_metrics(j, st, steady::now() - t0, load);
    if (!chat && !lp.empty()) j["logprobs"] = logprobs_json(lp);
    return j;
}

void load_or_unload(context & ctx, const prepared & p, const shape & sh, http::response & res) {
    if (p.keep_alive.count() == 0) {
        ctx.sched.unload(p.key);
        http::set_json(res, sh.final({}, "unload"));
        return;
    }
    auto l = ctx.sched.acquire(p.key, p.label, p.load, p.keep_alive);
    if (!l) return http::set_error(res, l.err());
    http::set_json(res, sh.final({}, "load"));
}

namespace {

struct running {
    sched::lease lease;
    std::unique_ptr<engine::completion_stream> stream;
    std::unique_ptr<chat::output_parser> parser;
    shape sh;
    steady::time_point t0;
    std::chrono::nanoseconds load{0};  // request start until the model was ready, as Ollama counts it
    metrics::registry * metrics = nullptr;
    std::chrono::milliseconds timeout{0};  // LOKAL_REQUEST_TIMEOUT; 0: none

    // Past the server's wall-time limit: the caller drops the stream, which cancels the task.
    std::optional<error> overdue() const {
        if (timeout.count() <= 0 || steady::now() - t0 < timeout) return std::nullopt;
        return make_error(errc::unavailable, "generation stopped: the request ran longer than LOKAL_REQUEST_TIMEOUT (" +
                                                 std::to_string(timeout.count()) + " ms)");
    }

    // Counts a finished completion's tokens and duration.
    void record(const engine::completion_stats & st) const {
        std::chrono::duration<double> took = steady::now() - t0;
        metrics->add(metrics::prompt_tokens_total, st.prompt_eval_count);
        metrics->add(metrics::cached_prompt_tokens_total, st.prompt_cached);
        metrics->add(metrics::restored_prompt_tokens_total, st.prompt_restored);
        metrics->add(metrics::generated_tokens_total, st.eval_count);
        metrics->add(metrics::draft_tokens_total, st.draft_tokens);
        metrics->add(metrics::draft_accepted_tokens_total, st.draft_accepted);
        metrics->observe(metrics::request_duration_seconds, took.count());
    }
};

// How often a relay that is waiting for the model checks its client.
constexpr std::chrono::milliseconds client_check{250};

// Relays the runner's stream through the output parser. Whenever the model
// is quiet for a moment the relay checks that the client is still there;
// when it is gone, returning destroys the stream, which cancels the task and
// frees the slot.
void relay(const std::shared_ptr<running> & r, bool stream, const http::request & req, http::response & res) {
    using kind = engine::stream_item::kind;
    if (stream) {
        res.content_type = "application/x-ndjson";
        res.stream = [r](http::stream_writer & w) {
            for (;;) {
                auto item = r->stream->next_for(client_check);
                if (auto late = r->overdue()) {
                    w.write(http::json_line(json{{"error", late->message}}));
                    return;
                }
                if (!item) {
                    if (!w.alive()) return;
                    continue;
                }
                json j;
                if (item->type == kind::chunk) {
                    chat::delta d = r->parser->add(item->text);
                    // Text held back (maybe markup) sends nothing, unless
                    // there are logprobs to send, as Ollama does.
                    if (d.empty() && item->logprobs.empty()) continue;
                    j = r->sh.chunk(d, item->logprobs);
                } else if (item->type == kind::done) {
                    r->record(item->stats);
                    j = r->sh.done(r->parser->finish(), item->stats, r->t0, r->load, item->logprobs);
                } else {
                    j = json{{"error", item->err.message}};
                }
                if (!w.write(r->sh.encode(j) + "\n")) return;
                if (item->type != kind::chunk) return;
            }
        };
        return;
    }
    chat::delta all;
    logprob_list logprobs;
    auto next_check = steady::now() + client_check;
    for (;;) {
        auto item = r->stream->next_for(client_check);
        if (auto late = r->overdue()) return http::set_error(res, *late);
        // Nothing is written until the end, so look at the socket every
        // client_check, busy or not.
        if (steady::now() >= next_check) {
            if (req.is_closed()) return http::set_error(res, make_error(errc::canceled, "client disconnected"));
            next_check = steady::now() + client_check;
        }
        if (!item) continue;
        logprobs.insert(logprobs.end(), item->logprobs.begin(), item->logprobs.end());
        if (item->type == kind::chunk) {
            all.append(r->parser->add(item->text));
        } else if (item->type == kind::done) {
            r->record(item->stats);
            all.append(r->parser->finish());
            return r->sh.send(res, r->sh.done(all, item->stats, r->t0, r->load, logprobs));
        } else {
            return http::set_error(res, item->err);
        }
    }
}

// The rendered prompt's extras become the completion's: stop strings,
// printed special tokens, the template's tool-call grammar (unless the
// request brings its own) and, with thinking on, format only after thinking.
void merge_prompt(engine::completion_request & creq, engine::chat_prompt & cp) {
    creq.prompt = std::move(cp.prompt);
    const size_t dropped = std::min(cp.images_dropped, creq.images.size());
    creq.images.erase(creq.images.begin(), creq.images.begin() + static_cast<std::ptrdiff_t>(dropped));
    creq.stop.insert(creq.stop.end(), cp.stops.begin(), cp.stops.end());
    creq.preserved_tokens = cp.preserved_tokens;
    const bool own_constraint = !creq.grammar.empty() || !creq.format.is_null();
    if (!own_constraint && !cp.grammar.empty()) {
        creq.grammar = cp.grammar;
        creq.grammar_lazy = cp.grammar_lazy;
        creq.grammar_triggers = cp.grammar_triggers;
    } else if (!own_constraint && !cp.tool_call_schema.is_null()) {
        creq.format = cp.tool_call_schema;
        creq.format_prefix = cp.tool_call_prefix;
    }
    if (!creq.format.is_null()) creq.format_after = cp.thinking_end;
}

}  // namespace

void render_only(context & ctx, prepared & p, const std::string & raw_prompt, const render_fn & render,
                 const shape & sh, http::response & res, size_t images) {
    if (!render) return http::set_json(res, sh.debug(raw_prompt, images));
    auto answer = [&](const engine::chat_prompt & cp) {
        http::set_json(res, sh.debug(cp.prompt, images - std::min(images, cp.images_dropped)));
    };
    if (p.go_template) {
        auto prompt = render(nullptr);
        if (prompt) return answer(*prompt);
        if (!needs_tokenizer(prompt.err())) return http::set_error(res, prompt.err());
    }
    // The GGUF's Jinja template lives in the model, and so does the
    // tokenizer that tells whether a long chat fits: lease it.
    auto l = ctx.sched.acquire(p.key, p.label, p.load, p.keep_alive);
    if (!l) return http::set_error(res, l.err());
    sched::lease lease = std::move(*l);
    auto prompt = render(&*lease);
    if (!prompt) return http::set_error(res, prompt.err());
    answer(*prompt);
}

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
    r->timeout = ctx.cfg.request_timeout;
    if (render) {
        auto prompt = render(&*r->lease);
        if (!prompt) return http::set_error(res, prompt.err());
        r->parser = std::move(prompt->parser);
        merge_prompt(creq, *prompt);
    }
    if (!r->parser) r->parser = std::make_unique<chat::plain_parser>();
    if (auto st = place_images(creq); !st) return http::set_error(res, st.err());
    auto s = r->lease->submit(std::move(creq));
    if (!s) return http::set_error(res, s.err());
    r->stream = std::move(*s);
    relay(r, stream, req, res);
}

namespace {

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
