// Turning a model's raw output into what Ollama's chat API returns: content,
// thinking, and tool calls. A parser is fed the text as the model produces
// it and answers what may be shown now, holding back anything that could
// still turn out to be markup (a partial tag, an incomplete tool call).
#pragma once

#include "core/json.h"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace lokal::chat {

// What one piece of output adds. Tool calls are in Ollama's wire shape:
// {"id": "call_…", "function": {"index": n, "name": "…", "arguments": {…}}}.
struct delta {
    std::string content;
    std::string thinking;
    std::vector<json> tool_calls;

    bool empty() const { return content.empty() && thinking.empty() && tool_calls.empty(); }
    void append(delta && d);
};

class output_parser {
public:
    virtual ~output_parser() = default;
    // A piece of model output (whole UTF-8 characters).
    virtual delta add(std::string_view text) = 0;
    // The output ended: whatever is still held back that is not markup.
    virtual delta finish() = 0;
};

// Passes text through as content.
class plain_parser final : public output_parser {
public:
    delta add(std::string_view text) override;
    delta finish() override { return {}; }
};

// Ollama's id for a parsed call: "call_" and 8 random [a-z0-9].
std::string new_tool_call_id();

// Ollama's wire shape of one call.
json tool_call_json(const std::string & name, json arguments, int index, const std::string & id);


// The parser Ollama builds for a Go-templated model: the thinking parser when
// thinking is on and the template has thinking tags, then the tool-call
// parser when the request has tools.
struct go_parser_config {
    bool think = false;
    std::string think_open, think_close;   // from tmpl::thinking_tags
    bool prompt_opens_thinking = false;    // the prompt ends with think_open (the template started it)
    bool tools = false;
    std::string tool_tag;                  // from tmpl::tool_call_tag
    std::vector<std::string> tool_names;
};
std::unique_ptr<output_parser> make_go_parser(const go_parser_config & cfg);

}  // namespace lokal::chat
