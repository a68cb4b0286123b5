// Ollama's generic thinking parser (thinking/parser.go): splits output into
// the text between an opening and a closing tag ("<think>" … "</think>") and
// the content after it. Whitespace right after either tag is dropped; output
// that does not start with the opening tag is all content.
#pragma once

#include <string>
#include <string_view>

namespace lokal::chat {

class thinking_parser {
public:
    thinking_parser(std::string open, std::string close) : open_(std::move(open)), close_(std::move(close)) {}

    struct split {
        std::string thinking;
        std::string content;
    };
    split add(std::string_view text);
    // End of output: text held back while a tag was still possible.
    split finish();
    bool done_thinking() const { return state_ >= state::done_eating_space; }

private:
    enum class state { looking_for_open, eating_space_after_open, thinking, done_eating_space, done };
    bool step(split & out);

    std::string open_, close_;
    std::string acc_;
    state state_ = state::looking_for_open;
};

// Removes one <think>…</think> block that opens the text, as Ollama does to
// earlier assistant turns of qwen3 and deepseek-r1 models.
std::string strip_thinking(std::string_view text, const std::string & open, const std::string & close);

}  // namespace lokal::chat
