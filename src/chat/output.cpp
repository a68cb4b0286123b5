#include "chat/output.h"

#include "chat/thinking.h"
#include "chat/tool_calls.h"

#include <optional>
#include <random>

namespace lokal::chat {

void delta::append(delta && d) {
    content += d.content;
    thinking += d.thinking;
    for (auto & c : d.tool_calls) tool_calls.push_back(std::move(c));
}

delta plain_parser::add(std::string_view text) {
    delta d;
    d.content = std::string(text);
    return d;
}

std::string new_tool_call_id() {
    static const char letters[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    thread_local std::mt19937_64 rng{std::random_device{}()};
    std::uniform_int_distribution<int> pick(0, 35);
    std::string id = "call_";
    for (int i = 0; i < 8; ++i) id += letters[pick(rng)];
    return id;
}

json tool_call_json(const std::string & name, json arguments, int index, const std::string & id) {
    if (!arguments.is_object()) arguments = json::object();
    json fn = json::object();
    fn["index"] = index;
    fn["name"] = name;
    fn["arguments"] = std::move(arguments);
    json call = json::object();
    if (!id.empty()) call["id"] = id;
    call["function"] = std::move(fn);
    return call;
}

namespace {

class go_parser final : public output_parser {
public:
    explicit go_parser(const go_parser_config & cfg) {
        if (cfg.think && !cfg.think_open.empty() && !cfg.think_close.empty()) {
            think_.emplace(cfg.think_open, cfg.think_close);
            if (cfg.prompt_opens_thinking) think_->add(cfg.think_open);
        }
        if (cfg.tools) tools_.emplace(cfg.tool_tag, cfg.tool_names);
    }

    delta add(std::string_view text) override {
        delta d;
        if (!think_) return tools(text, d);
        auto s = think_->add(text);
        d.thinking = std::move(s.thinking);
        return tools(s.content, d);
    }

    delta finish() override {
        delta d;
        if (think_) {
            auto s = think_->finish();
            d.thinking = std::move(s.thinking);
            tools(s.content, d);
        }
        if (tools_) d.content += tools_->finish();
        return d;
    }

private:
    delta & tools(std::string_view content, delta & d) {
        if (!tools_) {
            d.content += content;
            return d;
        }
        if (content.empty()) return d;
        auto p = tools_->add(content);
        d.content += p.content;
        for (auto & c : p.calls) {
            d.tool_calls.push_back(
                tool_call_json(c["name"].get<std::string>(), c["arguments"], c["index"].get<int>(), new_tool_call_id()));
        }
        return d;
    }

    std::optional<thinking_parser> think_;
    std::optional<tool_call_parser> tools_;
};

}  // namespace

std::unique_ptr<output_parser> make_go_parser(const go_parser_config & cfg) {
    return std::make_unique<go_parser>(cfg);
}

}  // namespace lokal::chat
