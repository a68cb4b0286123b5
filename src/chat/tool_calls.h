// Ollama's tool-call parser for Go-templated models (tools/tools.go): output
// is content until the template's tool-call tag appears ("<tool_call>",
// "[TOOL_CALLS]", or "{" when the template has no tag); after it, each JSON
// object that names one of the request's tools is a call. Accepted shapes:
// {"name": f, "arguments": {…}} or "parameters", arguments as a JSON string,
// {f: {…}}, such objects nested in other objects or arrays, and f followed by
// a bare arguments object. A "{" or "[" tag only counts when it opens the
// output (after whitespace); then unparsed text is returned as content.
#pragma once

#include "core/json.h"

#include <string>
#include <string_view>
#include <vector>

namespace lokal::chat {

class tool_call_parser {
public:
    // tool_names: the function names of the request's tools.
    tool_call_parser(std::string tag, std::vector<std::string> tool_names);

    struct parsed {
        std::vector<json> calls;   // {"name", "arguments", "index"}, in order
        std::string content;
    };
    parsed add(std::string_view text);
    // End of output: content still held back (only for "{"/"[" tags with no call).
    std::string finish() const;
    const std::string & tag() const { return tag_; }

private:
    bool find_call(json & call);
    bool braces_closed() const;

    enum class state { looking_for_tag, calling, done };
    std::string tag_;
    std::vector<std::string> names_;
    std::string buf_;
    state state_ = state::looking_for_tag;
    int n_ = 0;
};

// The index of the first complete, valid JSON object in text and the
// arguments it holds for a call of `name` (see above); npos when none yet.
size_t find_arguments(std::string_view text, const std::string & name, json & args);

}  // namespace lokal::chat
