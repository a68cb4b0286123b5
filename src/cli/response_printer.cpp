#include "cli/response_printer.h"

#include "cli/format.h"

#include <algorithm>

namespace lokal::cli {

namespace {

const char * const grey = "\x1b[90m";
const char * const bold = "\x1b[1m";
const char * const reset = "\x1b[0m";

}  // namespace

std::string word_wrapper::feed(std::string_view text) {
    if (width_ < 10) return std::string(text);
    std::string out;
    for (size_t i = 0; i < text.size();) {
        // One UTF-8 code point at a time, with its display width.
        size_t len = 1;
        const auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0xf0) len = 4;
        else if (c >= 0xe0) len = 3;
        else if (c >= 0xc0) len = 2;
        len = std::min(len, text.size() - i);
        const std::string ch(text.substr(i, len));
        i += len;
        const int w = static_cast<int>(display_width(ch));

        if (ch == "\n" || ch == "\r") {
            out += ch;
            line_width_ = 0;
            word_.clear();
            continue;
        }
        if (line_width_ + 1 > width_ - 5) {
            const int word_width = static_cast<int>(display_width(word_));
            if (!word_.empty() && word_width <= width_ - 10) {
                // Take the started word back and begin the next line with it.
                out += "\x1b[" + std::to_string(word_width) + "D\x1b[K\n" + word_;
                line_width_ = word_width;
            } else {
                out += "\n";
                line_width_ = 0;
                word_.clear();
            }
            if (ch == " " || ch == "\t") {
                word_.clear();
                if (line_width_ == 0) continue;  // no blank at the start of a wrapped line
            }
        }
        out += ch;
        line_width_ += w;
        if (ch == " " || ch == "\t" || w >= 2) {
            word_.clear();  // a wide glyph may break anywhere
        } else {
            word_ += ch;
        }
    }
    return out;
}

std::string response_printer::thinking(std::string_view text) {
    if (hide_thinking_ || text.empty()) return "";
    std::string out;
    if (!in_thinking_) {
        out += plain_ ? "Thinking...\n" : std::string(grey) + bold + "Thinking...\n" + reset + grey;
        in_thinking_ = true;
    }
    out += wrapper_.feed(text);
    thinking_ended_with_newline_ = text.back() == '\n';
    wrote_anything_ = true;
    return out;
}

std::string response_printer::content(std::string_view text) {
    if (text.empty()) return "";
    std::string out;
    if (in_thinking_) {
        if (!thinking_ended_with_newline_) out += "\n";
        out += plain_ ? "...done thinking.\n\n" : std::string(grey) + bold + "...done thinking.\n\n" + reset;
        in_thinking_ = false;
        wrapper_ = word_wrapper(wrap_width_);
    }
    out += wrapper_.feed(text);
    wrote_anything_ = true;
    return out;
}

}  // namespace lokal::cli
