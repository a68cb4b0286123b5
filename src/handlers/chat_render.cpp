#include "handlers/chat_render.h"

#include "chat/harmony.h"
#include "chat/thinking.h"
#include "engine/tool_grammar.h"
#include "store/capabilities.h"
#include "template/ollama.h"

#include <algorithm>
#include <functional>

namespace lokal::handlers {

namespace {

// Ollama counts each image as 768 tokens when fitting a chat to the context
// (a CLIP image's embeddings), whatever the projector makes of it.
constexpr size_t k_image_tokens = 768;
const char * const k_needs_tokenizer = "the chat may not fit the context; its tokens must be counted";

// How a chat is fitted to the context. No count: truncation is off.
struct fit_rule {
    std::function<result<size_t>(const std::string &)> count;
    size_t num_ctx = 0;
    size_t image_tokens = 0;
    bool exact = true;  // false: count is only an upper bound (no tokenizer at hand)
};

fit_rule fit_for(engine::runner * r, const prepared & p, bool truncate) {
    fit_rule f;
    if (!truncate) return f;
    // Ollama's optionsForPrompt: the smaller of num_ctx and the loaded context.
    int n = p.load.num_ctx;
    if (r && r->facts().context_length > 0) n = std::min(n, r->facts().context_length);
    f.num_ctx = static_cast<size_t>(std::max(n, 0));
    f.image_tokens = p.rec.projector_path.empty() ? 0 : k_image_tokens;
    if (r) {
        f.count = [r](const std::string & text) -> result<size_t> {
            auto toks = r->tokenize(text, {true, true});
            if (!toks) return toks.err();
            return toks->size();
        };
        return f;
    }
    // Before the model is loaded there is no tokenizer, but every token
    // takes at least one byte of text, and the tokenizer adds at most a few
    // (BOS, EOS, a leading space): a chat within this bound fits for sure.
    f.exact = false;
    f.count = [](const std::string & text) -> result<size_t> { return text.size() + 4; };
    return f;
}

bool has(const std::vector<std::string> & v, const char * s) { return std::find(v.begin(), v.end(), s) != v.end(); }

std::vector<std::string> config_caps(const prepared & p) {
    std::vector<std::string> caps;
    auto it = p.rec.config.find("capabilities");
    if (it == p.rec.config.end() || !it->is_array()) return caps;
    for (const auto & c : *it) {
        if (c.is_string()) caps.push_back(c.get<std::string>());
    }
    return caps;
}

// The config's model_family ("gemma3", "qwen3", "gptoss"); empty when unknown.
std::string family_of(const prepared & p) {
    return p.rec.config.is_object() ? p.rec.config.value("model_family", "") : "";
}

// A gpt-oss model with a harmony template (Ollama's rule, in store/).
bool uses_harmony(const prepared & p) {
    return p.go_template && store::uses_harmony(family_of(p), p.go_template->source());
}

// Known before the model loads: the Go template, or the GGUF's own
// template read from its metadata.
template_caps caps_of(const prepared & p) {
    std::vector<std::string> caps = config_caps(p);
    template_caps out;
    if (p.go_template) {
        auto vars = tmpl::template_vars(*p.go_template);
        out.tools = vars && has(*vars, "tools");
        out.insert = vars && has(*vars, "suffix");
        auto [open, close] = tmpl::thinking_tags(*p.go_template);
        out.thinking = !open.empty() && !close.empty();
        out.tools = out.tools || uses_harmony(p);
        out.thinking = out.thinking || uses_harmony(p);
    } else {
        store::jinja_capabilities(caps, model_gguf_facts(p).chat_template);
    }
    out.tools = out.tools || has(caps, "tools");
    out.thinking = out.thinking || has(caps, "thinking");
    return out;
}

bool think_on(const json & think) {
    if (think.is_boolean()) return think.get<bool>();
    return think.is_string();  // the levels were checked when parsing
}

std::vector<std::string> tool_names(const json & tools) {
    std::vector<std::string> names;
    if (!tools.is_array()) return names;
    for (const auto & t : tools) {
        auto fn = t.find("function");
        if (fn != t.end() && fn->is_object() && fn->contains("name") && (*fn)["name"].is_string()) {
            names.push_back((*fn)["name"].get<std::string>());
        }
    }
    return names;
}

// The tools a forced call may use: all, or the one tool_choice names.
json forced_tools(const chat_inputs & in) {
    if (in.choice.how != api::tool_choice::mode::function) return in.tools;
    json out = json::array();
    for (const auto & t : in.tools) {
        auto fn = t.find("function");
        if (fn != t.end() && fn->is_object() && fn->value("name", "") == in.choice.name) out.push_back(t);
    }
    return out;
}

// A JSON schema for one call object: {"name": <one of the tools>, "arguments": <its parameters>}.
json call_schema(const json & tools) {
    json any = json::array();
    for (const auto & t : tools) {
        const json & fn = t["function"];
        json params = fn.contains("parameters") && fn["parameters"].is_object() ? fn["parameters"]
                                                                                 : json{{"type", "object"}};
        any.push_back(json{{"type", "object"},
                           {"properties", {{"name", {{"const", fn["name"]}}}, {"arguments", params}}},
                           {"required", {"name", "arguments"}}});
    }
    return any.size() == 1 ? any[0] : json{{"anyOf", any}};
}

// The prompt ends with the opening tag (the template started thinking).
bool ends_with_trimmed(const std::string & prompt, const std::string & tag) {
    size_t end = prompt.find_last_not_of(" \t\n\r");
    std::string_view trimmed(prompt.data(), end == std::string::npos ? 0 : end + 1);
    return !tag.empty() && trimmed.size() >= tag.size() && trimmed.substr(trimmed.size() - tag.size()) == tag;
}

tmpl::chat_turn to_turn(const api::message & m) {
    tmpl::chat_turn t;
    t.role = m.role;
    t.content = m.content;
    t.thinking = m.thinking;
    t.tool_calls = m.tool_calls;
    t.tool_name = m.tool_name;
    t.tool_call_id = m.tool_call_id;
    // Only their number matters here: the files travel in the completion request.
    t.images.assign(m.images.size(), std::string());
    return t;
}

// The converted tools (harmony's names) that a forced call may use: all, or
// the one tool_choice names (converted keeps in.tools' order).
json forced_harmony_tools(const json & converted, const chat_inputs & in) {
    if (in.choice.how != api::tool_choice::mode::function) return converted;
    json out = json::array();
    for (size_t i = 0; i < in.tools.size() && i < converted.size(); ++i) {
        auto fn = in.tools[i].find("function");
        if (fn != in.tools[i].end() && fn->is_object() && fn->value("name", "") == in.choice.name) {
            out.push_back(converted[i]);
        }
    }
    return out;
}

// The output of a harmony model continues the chat's last message when that
// is the assistant's own (Ollama's prefill rule).
chat::harmony_prefill harmony_prefill_of(const std::vector<api::message> & msgs) {
    if (msgs.empty() || msgs.back().role != "assistant") return chat::harmony_prefill::none;
    if (!msgs.back().content.empty()) return chat::harmony_prefill::final;
    if (!msgs.back().thinking.empty()) return chat::harmony_prefill::analysis;
    return chat::harmony_prefill::none;
}

// Harmony knows only low/medium/high effort: "max" is "high".
json harmony_think(const json & think) { return think == "max" ? json("high") : think; }

// The parser and tokens of a harmony model's output; its answer starts once
// the final channel opens (where a format's grammar begins).
void use_harmony(engine::chat_prompt & out, chat::harmony_names names, chat::harmony_prefill prefill) {
    out.parser = chat::make_harmony_parser(std::move(names), prefill);
    out.preserved_tokens = chat::harmony_preserved_tokens();
    out.thinking_end = "<|channel|>final<|message|>";
}

result<engine::chat_prompt> render_go(const prepared & p, const std::vector<api::message> & msgs, size_t first,
                                      const chat_inputs & in, bool offer_tools, bool think, const fit_rule & fit) {
    std::vector<tmpl::chat_turn> turns;
    size_t images = 0;
    for (const auto & m : msgs) {
        turns.push_back(to_turn(m));
        images += m.images.size();
    }
    const bool harmony = uses_harmony(p);
    chat::harmony_names names;
    tmpl::render_options opts;
    opts.first_request_message = first;
    opts.system = p.rec.system.value_or("");
    opts.tools = offer_tools ? in.tools : json();
    if (harmony) opts.tools = chat::harmony_tools(opts.tools, names);
    if (!in.think.is_null()) opts.think = harmony ? harmony_think(in.think) : in.think;
    opts.count_tokens = fit.count;
    opts.num_ctx = fit.num_ctx;
    opts.image_tokens = fit.image_tokens;
    auto prompt = tmpl::render_chat_full(*p.go_template, turns, opts);
    if (!prompt) return prompt.err();
    if (!fit.exact && prompt->first_message > 0) return make_error(errc::unavailable, k_needs_tokenizer);
    engine::chat_prompt out;
    out.prompt = std::move(prompt->prompt);
    out.images_dropped = images - prompt->images.size();
    if (harmony) {
        const auto prefill = harmony_prefill_of(msgs);
        if (offer_tools && in.choice.how != api::tool_choice::mode::auto_) {
            // tool_choice required/named: the call in harmony's own markup.
            engine::harmony_call_options call;
            call.tools = forced_harmony_tools(opts.tools, in);
            call.continues_message = prefill != chat::harmony_prefill::none;
            auto g = engine::harmony_call_grammar(call);
            if (!g) return g.err();
            out.grammar = std::move(*g);
        }
        use_harmony(out, std::move(names), prefill);
        return out;
    }
    chat::go_parser_config cfg;
    auto [open, close] = tmpl::thinking_tags(*p.go_template);
    cfg.think = think && !open.empty() && !close.empty();
    cfg.think_open = open;
    cfg.think_close = close;
    cfg.prompt_opens_thinking = cfg.think && ends_with_trimmed(out.prompt, open);
    cfg.tools = offer_tools;
    cfg.tool_tag = tmpl::tool_call_tag(*p.go_template);
    cfg.tool_names = tool_names(in.tools);
    if (cfg.think) out.thinking_end = close;
    if (offer_tools && in.choice.how != api::tool_choice::mode::auto_) {
        out.tool_call_schema = call_schema(forced_tools(in));
        out.tool_call_prefix = cfg.tool_tag == "{" ? "" : cfg.tool_tag;
    }
    out.parser = chat::make_go_parser(cfg);
    return out;
}

result<engine::chat_prompt> render_jinja(engine::runner * r, const std::vector<api::message> & msgs,
                                         const chat_inputs & in, bool offer_tools, bool think) {
    if (!r) return make_error(errc::internal, "the model's own template needs the model loaded");
    engine::chat_template_request req;
    for (const auto & m : msgs) {
        req.messages.push_back({m.role, m.content, m.thinking, m.tool_calls, m.tool_name, m.tool_call_id});
    }
    if (offer_tools) {
        req.tools = forced_tools(in);
        req.tool_choice = in.choice.how == api::tool_choice::mode::auto_ ? "auto" : "required";
    }
    req.think = think;
    if (in.think.is_string()) req.think_level = in.think.get<std::string>() == "max" ? "high" : in.think.get<std::string>();
    return r->render_chat(req);
}

// Ollama's chatPrompt for the GGUF's own template: the oldest messages are
// dropped (system messages kept) until the prompt fits; the images of
// dropped messages go too, and [img-N] tags count from the first kept one.
result<engine::chat_prompt> render_jinja_fitted(engine::runner * r, const std::vector<api::message> & msgs,
                                                const chat_inputs & in, bool offer_tools, bool think,
                                                const fit_rule & fit) {
    size_t first = 0;
    if (fit.count && msgs.size() > 1) {
        auto tokens = [&](size_t i) -> result<size_t> {
            auto cp = render_jinja(r, tmpl::kept_messages(msgs, i), in, offer_tools, think);
            if (!cp) return cp.err();
            auto n = fit.count(cp->prompt);
            if (!n) return n.err();
            for (size_t j = i; j < msgs.size(); ++j) *n += fit.image_tokens * msgs[j].images.size();
            return n;
        };
        auto kept = tmpl::first_message_to_keep(msgs.size(), fit.num_ctx, tokens);
        if (!kept) return kept.err();
        first = *kept;
    }
    std::vector<api::message> tagged = msgs;
    tmpl::tag_images(tagged, first);
    auto out = render_jinja(r, tmpl::kept_messages(tagged, first), in, offer_tools, think);
    if (!out) return out.err();
    for (size_t j = 0; j < first; ++j) out->images_dropped += msgs[j].images.size();
    return out;
}

}  // namespace

std::vector<api::message> chat_history(const prepared & p, const std::vector<api::message> & request) {
    std::vector<api::message> out;
    if (p.rec.messages.is_array()) {
        for (const auto & m : p.rec.messages) {
            if (!m.is_object() || !m.contains("role") || !m["role"].is_string()) continue;
            api::message msg;
            msg.role = m["role"].get<std::string>();
            msg.content = m.value("content", "");
            out.push_back(std::move(msg));
        }
    }
    out.insert(out.end(), request.begin(), request.end());
    // Ollama's filterThinkTags: qwen3 and deepseek-r1 drop the thinking of
    // assistant turns before the last user message.
    if (family_of(p) == "qwen3" || p.rec.name.model == "deepseek-r1") {
        size_t last_user = 0;
        for (size_t i = 0; i < out.size(); ++i) {
            if (out[i].role == "user") last_user = i;
        }
        for (size_t i = 0; i < last_user; ++i) {
            if (out[i].role == "assistant") out[i].content = chat::strip_thinking(out[i].content, "<think>", "</think>");
        }
    }
    return out;
}

// Ollama's think rules: on by default for thinking models, refused for others.
result<json> effective_think(const template_caps & caps, const json & think, const std::string & model) {
    if (caps.thinking && think.is_null()) return json(true);
    if (!caps.thinking && think_on(think)) {
        return make_error(errc::invalid_request, "\"" + model + "\" does not support thinking");
    }
    return think;
}

status check_capabilities(const prepared & p, const capability_request & want) {
    template_caps caps = caps_of(p);
    // Ollama checks thinking first, then the rest when scheduling the model.
    if (auto think = effective_think(caps, want.think, want.model); !think) return think.err();
    if (model_gguf_facts(p).embedding) {
        return make_error(errc::invalid_request,
                          "\"" + want.model + "\" does not support " + (want.chat ? "chat" : "generate"));
    }
    const std::string name = p.rec.name.to_string();
    if (want.tools && !caps.tools) return make_error(errc::invalid_request, name + " does not support tools");
    if (want.insert && !caps.insert) return make_error(errc::invalid_request, name + " does not support insert");
    return {};
}

result<engine::chat_prompt> render_generate(engine::runner * r, const prepared & p, const generate_inputs & in) {
    auto think = effective_think(caps_of(p), in.think, in.model);
    if (!think) return think.err();
    const bool on = think_on(*think);
    if (!p.go_template) {
        chat_inputs ci;
        ci.model = in.model;
        ci.think = *think;
        std::string sys = in.system && !in.system->empty() ? *in.system : p.rec.system.value_or("");
        std::vector<api::message> msgs = in.has_context ? std::vector<api::message>{} : chat_history(p, {});
        if (!sys.empty()) msgs.insert(msgs.begin(), api::message{"system", sys});
        msgs.push_back(api::message{"user", in.prompt});
        if (!in.suffix.empty()) {
            return make_error(errc::invalid_request, "\"suffix\" needs a model whose TEMPLATE uses .Suffix");
        }
        return render_jinja_fitted(r, msgs, ci, false, on, fit_for(r, p, in.truncate));
    }
    const bool harmony = uses_harmony(p);
    const fit_rule fit = fit_for(r, p, in.truncate);
    tmpl::render_options fo;
    fo.count_tokens = fit.count;
    fo.num_ctx = fit.num_ctx;
    fo.image_tokens = fit.image_tokens;
    auto prompt = render_generate_prompt(r, p, in.system, in.prompt, in.suffix, in.has_context,
                                         harmony ? harmony_think(*think) : *think, fo);
    if (!prompt) return prompt.err();
    if (!fit.exact && prompt->first_message > 0) return make_error(errc::unavailable, k_needs_tokenizer);
    engine::chat_prompt out;
    out.prompt = std::move(prompt->prompt);
    if (harmony) {
        use_harmony(out, {}, chat::harmony_prefill::none);
        return out;
    }
    chat::go_parser_config cfg;
    auto [open, close] = tmpl::thinking_tags(*p.go_template);
    cfg.think = on && !open.empty() && !close.empty();
    cfg.think_open = open;
    cfg.think_close = close;
    cfg.prompt_opens_thinking = cfg.think && ends_with_trimmed(out.prompt, open);
    if (cfg.think) out.thinking_end = close;
    out.parser = chat::make_go_parser(cfg);
    return out;
}

result<engine::chat_prompt> render_chat(engine::runner * r, const prepared & p, const chat_inputs & in) {
    template_caps caps = caps_of(p);
    const bool want_tools = in.tools.is_array() && !in.tools.empty();
    if (want_tools && !caps.tools) {
        return make_error(errc::invalid_request, p.rec.name.to_string() + " does not support tools");
    }
    chat_inputs eff = in;
    auto eff_think = effective_think(caps, in.think, in.model);
    if (!eff_think) return eff_think.err();
    eff.think = *eff_think;
    const bool offer_tools = want_tools && in.choice.how != api::tool_choice::mode::none;
    if (offer_tools && in.choice.how == api::tool_choice::mode::function && forced_tools(in).empty()) {
        return make_error(errc::invalid_request, "tool_choice names \"" + in.choice.name + "\", which is not in tools");
    }
    if (!want_tools && (in.choice.how == api::tool_choice::mode::required ||
                        in.choice.how == api::tool_choice::mode::function)) {
        return make_error(errc::invalid_request, "tool_choice requires tools");
    }
    const size_t first = p.rec.messages.is_array() ? p.rec.messages.size() : 0;
    std::vector<api::message> msgs = chat_history(p, in.messages);
    const bool think = think_on(eff.think);
    const fit_rule fit = fit_for(r, p, in.truncate);
    if (p.go_template) return render_go(p, msgs, first, eff, offer_tools, think, fit);
    // Ollama's rule: the model's SYSTEM goes first unless the request brings one.
    const std::string sys = p.rec.system.value_or("");
    bool has_system = first < msgs.size() && msgs[first].role == "system";
    if (!has_system && !sys.empty()) {
        api::message s;
        s.role = "system";
        s.content = sys;
        msgs.insert(msgs.begin(), std::move(s));
    }
    return render_jinja_fitted(r, msgs, eff, offer_tools, think, fit);
}

bool needs_tokenizer(const error & e) { return e.code == errc::unavailable && e.message == k_needs_tokenizer; }

status check_fits(engine::runner & r, const prepared & p, const std::string & prompt, size_t context_tokens) {
    fit_rule fit = fit_for(&r, p, true);
    auto n = fit.count(prompt);
    if (!n) return n.err();
    if (*n + context_tokens > fit.num_ctx) return make_error(errc::invalid_request, "the input length exceeds the context length");
    return {};
}

}  // namespace lokal::handlers
