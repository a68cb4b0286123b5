// Streamed model output for the terminal: word wrap at the terminal width
// (moving a word that would be cut onto the next line, as Ollama does) and
// the "Thinking..." / "...done thinking." frame around reasoning text. It
// returns the bytes to write, so tests can check them.
#pragma once

#include <string>
#include <string_view>

namespace lokal::cli {

class word_wrapper {
public:
    explicit word_wrapper(int width) : width_(width) {}  // width < 10: no wrapping
    std::string feed(std::string_view text);

private:
    int width_;
    int line_width_ = 0;
    std::string word_;  // the word in progress, already written
};

class response_printer {
public:
    // plain: no colours (output is not a terminal).
    response_printer(int wrap_width, bool plain, bool hide_thinking)
        : wrap_width_(wrap_width), plain_(plain), hide_thinking_(hide_thinking), wrapper_(wrap_width) {}

    std::string thinking(std::string_view text);
    std::string content(std::string_view text);
    bool wrote_anything() const { return wrote_anything_; }

private:
    int wrap_width_;
    bool plain_;
    bool hide_thinking_;
    bool in_thinking_ = false;
    bool thinking_ended_with_newline_ = false;
    bool wrote_anything_ = false;
    word_wrapper wrapper_;
};

}  // namespace lokal::cli
