#include "engine/chat_adapter.h"

#include <chat.h>
#include <common.h>

namespace lokal::engine {

namespace {

std::string str_at(const json & o, const char * key) {
    auto it = o.is_object() ? o.find(key) : o.end();
    return it != o.end() && it->is_string() ? it->get<std::string>() : "";
}

common_chat_msg to_common(const chat_message & m) {
    common_chat_msg cm;
    cm.role = m.role;
    cm.content = m.content;
    cm.reasoning_content = m.thinking;
    cm.tool_name = m.tool_name;
    cm.tool_call_id = m.tool_call_id;
    if (m.tool_calls.is_array()) {
        for (const auto & c : m.tool_calls) {
            const json fn = c.is_object() && c.contains("function") ? c["function"] : json::object();
            common_chat_tool_call tc;
            tc.name = str_at(fn, "name");
            tc.arguments = fn.is_object() && fn.contains("arguments") ? fn["arguments"].dump() : "{}";
            tc.id = str_at(c, "id");
            cm.tool_calls.push_back(std::move(tc));
        }
    }
    return cm;
}

std::vector<common_chat_tool> to_common_tools(const json & tools) {
    std::vector<common_chat_tool> out;
    if (!tools.is_array()) return out;
    for (const auto & t : tools) {
        const json fn = t.is_object() && t.contains("function") ? t["function"] : json::object();
        common_chat_tool ct;
        ct.name = str_at(fn, "name");
        ct.description = str_at(fn, "description");
        ct.parameters = fn.is_object() && fn.contains("parameters") ? fn["parameters"].dump() : "{}";
        out.push_back(std::move(ct));
    }
    return out;
}

// Parses the whole output so far on each piece (libcommon's parsers work on
// complete text) and hands out only what is new; a tool call is handed out
// once its arguments are a complete JSON object.
class template_parser final : public chat::output_parser {
public:
    template_parser(common_chat_parser_params pp, bool show_thinking)
        : pp_(std::move(pp)), show_thinking_(show_thinking) {}

    chat::delta add(std::string_view text) override {
        text_.append(text);
        return step(true);
    }
    chat::delta finish() override { return step(false); }

private:
    chat::delta step(bool partial) {
        common_chat_msg msg;
        try {
            msg = common_chat_parse(text_, partial, pp_);
        } catch (const std::exception &) {
            if (partial) return {};      // wait for more text
            msg = common_chat_msg{};     // unparseable: show it as text
            msg.content = text_;
        }
        chat::delta d;
        // As Ollama's thinking parser: no whitespace between thinking and the answer.
        std::string_view content = msg.content;
        if (!msg.reasoning_content.empty()) {
            size_t first = content.find_first_not_of(" \t\r\n");
            content.remove_prefix(first == std::string_view::npos ? content.size() : first);
        }
        if (content.size() > sent_content_) d.content = std::string(content.substr(sent_content_));
        sent_content_ = std::max(sent_content_, content.size());
        if (msg.reasoning_content.size() > sent_thinking_ && show_thinking_) {
            d.thinking = msg.reasoning_content.substr(sent_thinking_);
        }
        sent_thinking_ = std::max(sent_thinking_, msg.reasoning_content.size());
        while (sent_calls_ < msg.tool_calls.size()) {
            const auto & tc = msg.tool_calls[sent_calls_];
            json args = json::parse(tc.arguments.empty() ? "{}" : tc.arguments, nullptr, false);
            bool complete = !partial || sent_calls_ + 1 < msg.tool_calls.size() || args.is_object();
            if (!complete || tc.name.empty()) break;
            d.tool_calls.push_back(chat::tool_call_json(tc.name, args.is_object() ? args : json::object(),
                                                        static_cast<int>(sent_calls_), chat::new_tool_call_id()));
            sent_calls_++;
        }
        return d;
    }

    common_chat_parser_params pp_;
    bool show_thinking_;
    std::string text_;
    size_t sent_content_ = 0, sent_thinking_ = 0, sent_calls_ = 0;
};

// A pattern that must match the whole output so far.
std::string anchored(const std::string & p) {
    if (p.empty()) return "^$";
    return (p.front() == '^' ? "" : "^") + p + (p.back() == '$' ? "" : "$");
}

common_chat_templates_inputs to_inputs(const chat_template_request & req) {
    common_chat_templates_inputs in;
    for (const auto & m : req.messages) in.messages.push_back(to_common(m));
    in.add_generation_prompt = true;
    in.use_jinja = true;
    if (req.tool_choice != "none") in.tools = to_common_tools(req.tools);
    in.tool_choice = req.tool_choice == "required" ? COMMON_CHAT_TOOL_CHOICE_REQUIRED : COMMON_CHAT_TOOL_CHOICE_AUTO;
    in.parallel_tool_calls = !in.tools.empty();
    in.reasoning_format = COMMON_REASONING_FORMAT_DEEPSEEK;
    in.enable_thinking = req.think;
    if (!req.think_level.empty()) in.chat_template_kwargs["reasoning_effort"] = json(req.think_level).dump();
    return in;
}

}  // namespace

result<chat_prompt> render_chat_with_templates(const common_chat_templates * tmpls, const chat_template_request & req) {
    common_chat_templates_inputs in = to_inputs(req);
    common_chat_params params;
    try {
        params = common_chat_templates_apply(tmpls, in);
    } catch (const std::exception & e) {
        return make_error(errc::invalid_request, std::string("chat template failed: ") + e.what());
    }
    chat_prompt out;
    out.prompt = std::move(params.prompt);
    out.grammar = params.grammar;
    out.grammar_lazy = params.grammar_lazy;
    for (const auto & t : params.grammar_triggers) {
        if (t.type == COMMON_GRAMMAR_TRIGGER_TYPE_WORD) out.grammar_triggers.push_back(regex_escape(t.value));
        else if (t.type == COMMON_GRAMMAR_TRIGGER_TYPE_PATTERN) out.grammar_triggers.push_back(t.value);
        else if (t.type == COMMON_GRAMMAR_TRIGGER_TYPE_PATTERN_FULL) out.grammar_triggers.push_back(anchored(t.value));
        else if (!t.value.empty()) out.grammar_triggers.push_back(regex_escape(t.value));  // a token: its text
    }
    out.stops = params.additional_stops;
    out.preserved_tokens = params.preserved_tokens;
    if (req.think && params.supports_thinking && !params.thinking_end_tags.empty()) {
        out.thinking_end = params.thinking_end_tags.front();
    }

    common_chat_parser_params pp(params);
    pp.reasoning_format = COMMON_REASONING_FORMAT_DEEPSEEK;
    pp.parse_tool_calls = !in.tools.empty();
    try {
        if (!params.parser.empty()) pp.parser.load(params.parser);
    } catch (const std::exception & e) {
        return make_error(errc::internal, std::string("chat output parser failed: ") + e.what());
    }
    out.parser = std::make_unique<template_parser>(std::move(pp), req.think);
    return out;
}

result<chat_prompt> render_chat_with_source(const std::string & jinja, const chat_template_request & req,
                                            const std::string & bos, const std::string & eos) {
    common_chat_templates_ptr t;
    try {
        t = common_chat_templates_init(nullptr, jinja, bos, eos);
    } catch (const std::exception & e) {
        return make_error(errc::invalid_request, std::string("chat template failed: ") + e.what());
    }
    return render_chat_with_templates(t.get(), req);
}

}  // namespace lokal::engine
