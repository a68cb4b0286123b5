#include "handlers/model_prep.h"

#include "store/gguf.h"
#include "store/name.h"
#include "template/ollama.h"

#include <cstdio>
#include <mutex>
#include <set>
#include <unordered_map>

namespace lokal::handlers {

namespace {

// Ollama's built-in renderers (RENDERER qwen3-coder, …) are stored and shown
// but not implemented: the model's TEMPLATE renders instead or, without one,
// the GGUF's own Jinja template (never a default template). Said once per
// model and renderer, on stderr, so that a different prompt is not a mystery.
void note_renderer_fallback(const prepared & p) {
    auto it = p.rec.config.is_object() ? p.rec.config.find("renderer") : p.rec.config.end();
    if (it == p.rec.config.end() || !it->is_string() || it->get<std::string>().empty()) return;
    static std::mutex mu;
    static std::set<std::string> told;
    const std::string renderer = it->get<std::string>();
    {
        std::lock_guard<std::mutex> lock(mu);
        if (!told.insert(p.rec.manifest_digest + " " + renderer).second) return;
    }
    std::fprintf(stderr, "lokal: model %s: RENDERER \"%s\" is not implemented; using %s\n",
                 p.rec.name.display_short().c_str(), renderer.c_str(),
                 p.go_template ? "its TEMPLATE" : "the GGUF's own chat template (Jinja)");
}

}  // namespace

json details_from_config(const json & config) {
    // Config blobs come from disk (maybe written by another program): a field
    // of the wrong type reads as empty rather than failing the request.
    auto str = [&](const char * key) {
        auto it = config.is_object() ? config.find(key) : config.end();
        return it != config.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    json families = nullptr;
    if (config.is_object() && config.contains("model_families") && config["model_families"].is_array()) {
        families = config["model_families"];
    }
    return json{
        {"parent_model", ""},
        {"format", str("model_format")},
        {"family", str("model_family")},
        {"families", families},
        {"parameter_size", str("model_type")},
        {"quantization_level", str("file_type")},
    };
}

result<prepared> prepare(context & ctx, const std::string & model, const json & options,
                         std::optional<std::chrono::milliseconds> keep_alive,
                         const std::optional<std::string> & template_override) {
    auto not_found = make_error(errc::not_found, "model '" + model + "' not found");
    auto name = store::parse_model_name(model);
    if (!name) return not_found;
    auto rec = ctx.models.resolve(*name);
    if (!rec) return rec.err().code == errc::not_found ? not_found : rec.err();

    prepared p;
    p.rec = std::move(*rec);
    if (p.rec.model_path.empty()) {
        return make_error(errc::invalid_request, "\"" + model + "\" has no model weights and cannot run");
    }
    if (auto st = api::apply_json(p.opts, p.rec.params); !st) {
        return make_error(errc::invalid_request, "the model's parameters are invalid: " + st.err().message);
    }
    if (auto st = api::apply_json(p.opts, options); !st) return st.err();
    if (p.opts.ngram_draft < 0) p.opts.ngram_draft = ctx.cfg.ngram_draft;
    if (p.opts.draft_num_predict < 0) p.opts.draft_num_predict = ctx.cfg.draft_num_predict;
    // The server's cap (LOKAL_MAX_TOKENS) wins over any num_predict, "forever" (-1, -2) included.
    if (ctx.cfg.max_tokens > 0 && (p.opts.num_predict < 0 || p.opts.num_predict > ctx.cfg.max_tokens)) {
        p.opts.num_predict = static_cast<int>(ctx.cfg.max_tokens);
    }

    auto & l = p.load;
    l.model_path = p.rec.model_path;
    l.projector_path = p.rec.projector_path;
    l.adapter_paths = p.rec.adapter_paths;
    l.draft_path = p.rec.draft_path;
    l.num_ctx = p.opts.num_ctx;
    l.num_batch = p.opts.num_batch;
    l.num_gpu = p.opts.num_gpu;
    l.main_gpu = p.opts.main_gpu;
    l.num_thread = p.opts.num_thread > 0 ? p.opts.num_thread : ctx.cfg.num_threads;
    l.num_parallel = ctx.cfg.num_parallel;
    l.flash_attention = p.opts.flash_attention ? (*p.opts.flash_attention ? 1 : 0) : ctx.cfg.flash_attention;
    l.kv_cache_type = p.opts.kv_cache_type.empty() ? ctx.cfg.kv_cache_type : p.opts.kv_cache_type;
    if (l.flash_attention == 0 && l.kv_cache_needs_flash_attention()) {
        // llama.cpp would refuse the context with a log line only.
        return make_error(errc::invalid_request, "kv_cache_type " + l.kv_cache_type +
                                                     " needs flash attention; leave flash_attention unset or true");
    }
    l.prompt_cache_bytes = ctx.cfg.prompt_cache_bytes;
    l.use_mmap = p.opts.use_mmap.value_or(true);
    l.debug = ctx.cfg.debug;

    const std::string * tmpl_text = template_override && !template_override->empty() ? &*template_override
                                    : p.rec.template_text && !p.rec.template_text->empty() ? &*p.rec.template_text
                                                                                           : nullptr;
    if (tmpl_text) {
        auto t = tmpl::parse(*tmpl_text);
        if (!t) return make_error(errc::invalid_request, t.err().message);
        p.go_template = *t;
    }
    note_renderer_fallback(p);

    p.keep_alive = keep_alive.value_or(ctx.cfg.keep_alive);
    p.label.name = p.rec.name.display_short();
    std::string digest = p.rec.manifest_digest;
    if (digest.rfind("sha256:", 0) == 0) digest = digest.substr(7);
    p.label.digest = digest;
    p.label.details = details_from_config(p.rec.config);
    p.key = p.rec.manifest_digest + " " + p.label.name;
    return p;
}

gguf_facts model_gguf_facts(const prepared & p) {
    static std::mutex mu;
    static std::unordered_map<std::string, gguf_facts> cache;  // by blob path
    {
        std::lock_guard<std::mutex> lock(mu);
        if (auto it = cache.find(p.rec.model_path); it != cache.end()) return it->second;
    }
    gguf_facts f;
    auto g = store::gguf::read_file(p.rec.model_path);
    if (!g) return f;
    f.chat_template = g->chat_template();
    f.embedding = g->has_pooling();
    constexpr uint64_t rank_pooling = 4;  // llama.cpp's LLAMA_POOLING_TYPE_RANK
    f.reranker = g->get_uint(g->architecture() + ".pooling_type") == rank_pooling;
    std::lock_guard<std::mutex> lock(mu);
    if (cache.size() >= 256) cache.clear();  // a bound; entries are cheap to read again
    cache.emplace(p.rec.model_path, f);
    return f;
}

engine::completion_request completion_from(const prepared & p) {
    const auto & o = p.opts;
    engine::completion_request c;
    c.num_predict = o.num_predict;
    c.num_keep = o.num_keep;
    c.ngram_draft = std::max(o.ngram_draft, 0);
    c.draft_num_predict = std::max(o.draft_num_predict, 0);
    c.draft_min = o.draft_min;
    c.draft_p_min = o.draft_p_min;
    c.stop = o.stop;
    auto & s = c.sampling;
    s.seed = o.seed;
    s.top_k = o.top_k;
    s.top_p = static_cast<float>(o.top_p);
    s.min_p = static_cast<float>(o.min_p);
    s.typical_p = static_cast<float>(o.typical_p);
    s.temperature = static_cast<float>(o.temperature);
    s.repeat_last_n = o.repeat_last_n;
    s.repeat_penalty = static_cast<float>(o.repeat_penalty);
    s.presence_penalty = static_cast<float>(o.presence_penalty);
    s.frequency_penalty = static_cast<float>(o.frequency_penalty);
    return c;
}

namespace {

tmpl::chat_turn turn(std::string role, std::string content) {
    tmpl::chat_turn t;
    t.role = std::move(role);
    t.content = std::move(content);
    return t;
}

// The Modelfile's MESSAGEs, as chat turns.
std::vector<tmpl::chat_turn> model_messages(const prepared & p) {
    std::vector<tmpl::chat_turn> out;
    if (!p.rec.messages.is_array()) return out;
    for (const auto & m : p.rec.messages) {
        if (!m.is_object()) continue;
        auto role = m.find("role");
        auto content = m.find("content");
        if (role == m.end() || !role->is_string() || content == m.end() || !content->is_string()) continue;
        out.push_back(turn(role->get<std::string>(), content->get<std::string>()));
    }
    return out;
}

// Without a Go template: the GGUF's Jinja template through libcommon.
result<std::string> render_with_jinja(engine::runner * r, const std::vector<tmpl::chat_turn> & turns) {
    if (!r) return make_error(errc::internal, "the model's own template needs the model loaded");
    std::vector<engine::chat_message> msgs;
    for (const auto & t : turns) msgs.push_back({t.role, t.content});
    return r->apply_chat_template(msgs);
}

}  // namespace

result<tmpl::rendered_prompt> render_generate_prompt(engine::runner * r, const prepared & p,
                                                     const std::optional<std::string> & system,
                                                     const std::string & prompt, const std::string & suffix,
                                                     bool has_context, const json & think,
                                                     const tmpl::render_options & fit) {
    std::string sys = system && !system->empty() ? *system : p.rec.system.value_or("");
    std::vector<tmpl::chat_turn> history = has_context ? std::vector<tmpl::chat_turn>{} : model_messages(p);
    if (p.go_template) {
        tmpl::render_options opts;
        opts.history = std::move(history);
        if (!think.is_null()) opts.think = think;
        opts.count_tokens = fit.count_tokens;
        opts.num_ctx = fit.num_ctx;
        opts.image_tokens = fit.image_tokens;
        return tmpl::render_generate_full(*p.go_template, sys, prompt, suffix, opts);
    }
    if (!suffix.empty()) {
        return make_error(errc::invalid_request, "\"suffix\" needs a model whose TEMPLATE uses .Suffix");
    }
    std::vector<tmpl::chat_turn> turns;
    if (!sys.empty()) turns.push_back(turn("system", sys));
    turns.insert(turns.end(), history.begin(), history.end());
    turns.push_back(turn("user", prompt));
    auto text = render_with_jinja(r, turns);
    if (!text) return text.err();
    tmpl::rendered_prompt out;
    out.prompt = std::move(*text);
    return out;
}

}  // namespace lokal::handlers
