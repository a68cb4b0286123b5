#include "cli/line_editor.h"

#include "cli/format.h"
#include "cli/terminal.h"

#include <cerrno>
#include <iostream>
#include <unistd.h>

namespace lokal::cli {

namespace {

std::string to_utf8(const std::u32string & s) {
    std::string out;
    for (char32_t c : s) {
        if (c < 0x80) {
            out += static_cast<char>(c);
        } else if (c < 0x800) {
            out += static_cast<char>(0xc0 | (c >> 6));
            out += static_cast<char>(0x80 | (c & 0x3f));
        } else if (c < 0x10000) {
            out += static_cast<char>(0xe0 | (c >> 12));
            out += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
            out += static_cast<char>(0x80 | (c & 0x3f));
        } else {
            out += static_cast<char>(0xf0 | (c >> 18));
            out += static_cast<char>(0x80 | ((c >> 12) & 0x3f));
            out += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
            out += static_cast<char>(0x80 | (c & 0x3f));
        }
    }
    return out;
}

std::u32string from_utf8(const std::string & s) {
    std::u32string out;
    for (size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 1;
        if (i + len > s.size()) len = 1;
        char32_t cp = len == 1 ? c : len == 2 ? (c & 0x1f) : len == 3 ? (c & 0x0f) : (c & 0x07);
        for (size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3f);
        out += cp;
        i += len;
    }
    return out;
}

bool is_word_char(char32_t c) { return c != ' ' && c != '\t'; }

// ESC [ ... : parameters up to a final byte.
key read_csi(const std::function<int()> & next_byte) {
    std::string params;
    int b;
    while ((b = next_byte()) >= 0 && !(b >= 0x40 && b <= 0x7e)) params += static_cast<char>(b);
    if (b < 0) return {key_kind::eof};
    switch (b) {
        case 'A': return {key_kind::up};
        case 'B': return {key_kind::down};
        case 'C': return {params == "1;5" || params == "1;3" ? key_kind::word_right : key_kind::right};
        case 'D': return {params == "1;5" || params == "1;3" ? key_kind::word_left : key_kind::left};
        case 'H': return {key_kind::home};
        case 'F': return {key_kind::end};
        case '~':
            if (params == "1" || params == "7") return {key_kind::home};
            if (params == "4" || params == "8") return {key_kind::end};
            if (params == "3") return {key_kind::del};
            if (params == "200") return {key_kind::paste_start};
            if (params == "201") return {key_kind::paste_end};
            return {key_kind::ignore};
        default: return {key_kind::ignore};
    }
}

key read_escape(const std::function<int()> & next_byte) {
    const int b = next_byte();
    switch (b) {
        case -1: return {key_kind::eof};
        case '[': return read_csi(next_byte);
        case 'O': {
            const int c = next_byte();
            if (c == 'H') return {key_kind::home};
            if (c == 'F') return {key_kind::end};
            if (c == 'A') return {key_kind::up};
            if (c == 'B') return {key_kind::down};
            if (c == 'C') return {key_kind::right};
            if (c == 'D') return {key_kind::left};
            return {key_kind::ignore};
        }
        case 'b': return {key_kind::word_left};
        case 'f': return {key_kind::word_right};
        case 0x7f:
        case 0x08: return {key_kind::delete_word};
        default: return {key_kind::ignore};
    }
}

int read_stdin_byte() {
    unsigned char c;
    while (true) {
        ssize_t n = ::read(STDIN_FILENO, &c, 1);
        if (n == 1) return c;
        if (n < 0 && errno == EINTR) continue;
        return -1;
    }
}

}  // namespace

// --- edit_buffer ---------------------------------------------------------

void edit_buffer::insert(char32_t c) { text_.insert(text_.begin() + static_cast<std::ptrdiff_t>(cursor_++), c); }

void edit_buffer::backspace() {
    if (cursor_ > 0) text_.erase(--cursor_, 1);
}

void edit_buffer::delete_forward() {
    if (cursor_ < text_.size()) text_.erase(cursor_, 1);
}

void edit_buffer::left() {
    if (cursor_ > 0) --cursor_;
}

void edit_buffer::right() {
    if (cursor_ < text_.size()) ++cursor_;
}

void edit_buffer::word_left() {
    while (cursor_ > 0 && !is_word_char(text_[cursor_ - 1])) --cursor_;
    while (cursor_ > 0 && is_word_char(text_[cursor_ - 1])) --cursor_;
}

void edit_buffer::word_right() {
    while (cursor_ < text_.size() && !is_word_char(text_[cursor_])) ++cursor_;
    while (cursor_ < text_.size() && is_word_char(text_[cursor_])) ++cursor_;
}

void edit_buffer::kill_to_end() { text_.erase(cursor_); }

void edit_buffer::kill_to_start() {
    text_.erase(0, cursor_);
    cursor_ = 0;
}

void edit_buffer::delete_word_before() {
    const size_t end = cursor_;
    word_left();
    text_.erase(cursor_, end - cursor_);
}

void edit_buffer::replace(const std::string & utf8) {
    text_ = from_utf8(utf8);
    cursor_ = text_.size();
}

std::string edit_buffer::text() const { return to_utf8(text_); }
std::string edit_buffer::text_before_cursor() const { return to_utf8(text_.substr(0, cursor_)); }

// --- line_history --------------------------------------------------------

void line_history::add(const std::string & line) {
    if (enabled && !line.empty() && (entries_.empty() || entries_.back() != line)) entries_.push_back(line);
    pos_ = entries_.size();
}

std::optional<std::string> line_history::prev(const std::string & current) {
    if (pos_ == 0 || entries_.empty()) return std::nullopt;
    if (pos_ == entries_.size()) scratch_ = current;
    return entries_[--pos_];
}

std::optional<std::string> line_history::next() {
    if (pos_ >= entries_.size()) return std::nullopt;
    ++pos_;
    return pos_ == entries_.size() ? scratch_ : entries_[pos_];
}

// --- keys ------------------------------------------------------------------

key read_key(const std::function<int()> & next_byte) {
    const int b = next_byte();
    if (b < 0) return {key_kind::eof};
    switch (b) {
        case 0x01: return {key_kind::home};
        case 0x02: return {key_kind::left};
        case 0x03: return {key_kind::interrupt};
        case 0x04: return {key_kind::eof};
        case 0x05: return {key_kind::end};
        case 0x06: return {key_kind::right};
        case 0x08:
        case 0x7f: return {key_kind::backspace};
        case 0x09: return {key_kind::character, U'\t'};
        case 0x0a:
        case 0x0d: return {key_kind::enter};
        case 0x0b: return {key_kind::kill_to_end};
        case 0x0c: return {key_kind::clear_screen};
        case 0x0e: return {key_kind::down};
        case 0x10: return {key_kind::up};
        case 0x15: return {key_kind::kill_to_start};
        case 0x17: return {key_kind::delete_word};
        case 0x1b: return read_escape(next_byte);
        default: break;
    }
    if (b < 0x20) return {key_kind::ignore};
    // A UTF-8 sequence: lead byte, then continuation bytes.
    int len = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xe ? 3 : (b >> 3) == 0x1e ? 4 : 1;
    char32_t cp = len == 1 ? static_cast<char32_t>(b) : len == 2 ? (b & 0x1f) : len == 3 ? (b & 0x0f) : (b & 0x07);
    for (int k = 1; k < len; ++k) {
        const int c = next_byte();
        if (c < 0) return {key_kind::eof};
        cp = (cp << 6) | (static_cast<char32_t>(c) & 0x3f);
    }
    return {key_kind::character, cp};
}

// --- line_editor -------------------------------------------------------------

// Rewrites the text after the prompt and puts the cursor in place. The
// prompt itself is printed once per line, never again: programs driving the
// REPL (and people scrolling back) see ">>> " exactly once per input.
void line_editor::redraw(const std::string & prompt, const std::string & placeholder, const edit_buffer & buf) {
    const size_t cols = static_cast<size_t>(terminal_width(STDOUT_FILENO));
    const size_t prompt_width = display_width(prompt);
    const std::string text = buf.text();
    std::string out = move_cursor(0, static_cast<int>(prompt_width % cols)) + text;
    size_t shown = prompt_width + display_width(text);
    if (buf.empty() && !placeholder.empty()) {
        out += "\x1b[90m" + placeholder + "\x1b[0m";
        shown += display_width(placeholder);
    }
    out += "\x1b[J";
    // A line that ends exactly at the margin leaves the cursor pending a
    // wrap; a newline settles it on the next row, where the math expects it.
    if (shown > 0 && shown % cols == 0) out += "\n";
    cursor_row_ = static_cast<int>(shown / cols);
    cursor_col_ = static_cast<int>(shown % cols);
    const size_t target = prompt_width + display_width(buf.text_before_cursor());
    out += move_cursor(static_cast<int>(target / cols), static_cast<int>(target % cols));
    write_fd(STDOUT_FILENO, out);
}

// Relative moves from where the cursor is known to be; no carriage return,
// so a plain echo of typed text stays contiguous in the terminal's output.
std::string line_editor::move_cursor(int row, int col) {
    std::string out;
    if (row < cursor_row_) out += "\x1b[" + std::to_string(cursor_row_ - row) + "A";
    if (row > cursor_row_) out += "\x1b[" + std::to_string(row - cursor_row_) + "B";
    if (col < cursor_col_) out += "\x1b[" + std::to_string(cursor_col_ - col) + "D";
    if (col > cursor_col_) out += "\x1b[" + std::to_string(col - cursor_col_) + "C";
    cursor_row_ = row;
    cursor_col_ = col;
    return out;
}

bool line_editor::append_in_place(const std::string & prompt, const edit_buffer & buf, const std::string & typed) {
    // Typing at the end of a line that does not reach the margin is just an
    // echo; anything else is a redraw.
    if (buf.cursor() != buf.size()) return false;
    const size_t cols = static_cast<size_t>(terminal_width(STDOUT_FILENO));
    const size_t end = display_width(prompt) + display_width(buf.text());
    if (end % cols == 0 || static_cast<int>(end / cols) != cursor_row_) return false;
    write_fd(STDOUT_FILENO, typed);
    cursor_col_ = static_cast<int>(end % cols);
    return true;
}

void line_editor::finish_line(const std::string & prompt, const edit_buffer & buf) {
    if (buf.cursor() == buf.size()) {
        write_fd(STDOUT_FILENO, "\x1b[J");  // already at the end; just drop a placeholder
        return;
    }
    edit_buffer at_end = buf;
    at_end.end();
    redraw(prompt, "", at_end);
}

read_result line_editor::read_line(const std::string & prompt, const std::string & placeholder) {
    raw_mode raw;
    if (!raw.ok()) {
        // Not a terminal after all: plain line reading still works.
        std::cout << prompt << std::flush;
        read_result r;
        if (!std::getline(std::cin, r.text)) r.status = read_status::eof;
        return r;
    }
    edit_buffer buf;
    history_.reset_position();
    // Output before the prompt ends with a newline, so the prompt starts a row.
    write_fd(STDOUT_FILENO, prompt);
    const size_t cols = static_cast<size_t>(terminal_width(STDOUT_FILENO));
    cursor_row_ = static_cast<int>(display_width(prompt) / cols);
    cursor_col_ = static_cast<int>(display_width(prompt) % cols);
    redraw(prompt, pasting_ ? "" : placeholder, buf);
    while (true) {
        const key k = read_key(read_stdin_byte);
        switch (k.kind) {
            case key_kind::character: {
                const bool was_empty = buf.empty();
                const std::u32string typed = k.ch == U'\t' ? U"    " : std::u32string(1, k.ch);
                for (char32_t c : typed) buf.insert(c);
                // The placeholder needs erasing, so the first character redraws.
                if (!was_empty && append_in_place(prompt, buf, to_utf8(typed))) continue;
                break;
            }
            case key_kind::enter:
                finish_line(prompt, buf);
                write_fd(STDOUT_FILENO, "\n");
                if (!pasting_) history_.add(buf.text());
                return {read_status::line, buf.text(), pasting_};
            case key_kind::eof:
                if (!buf.empty()) {
                    buf.delete_forward();  // Ctrl+D inside a line deletes, as in shells
                    break;
                }
                finish_line(prompt, buf);
                return {read_status::eof, "", false};
            case key_kind::interrupt:
                finish_line(prompt, buf);
                pasting_ = false;
                return {read_status::interrupt, buf.text(), false};
            case key_kind::backspace: buf.backspace(); break;
            case key_kind::del: buf.delete_forward(); break;
            case key_kind::left: buf.left(); break;
            case key_kind::right: buf.right(); break;
            case key_kind::home: buf.home(); break;
            case key_kind::end: buf.end(); break;
            case key_kind::word_left: buf.word_left(); break;
            case key_kind::word_right: buf.word_right(); break;
            case key_kind::kill_to_end: buf.kill_to_end(); break;
            case key_kind::kill_to_start: buf.kill_to_start(); break;
            case key_kind::delete_word: buf.delete_word_before(); break;
            case key_kind::up:
                if (auto h = history_.prev(buf.text())) buf.replace(*h);
                break;
            case key_kind::down:
                if (auto h = history_.next()) buf.replace(*h);
                break;
            case key_kind::clear_screen:
                write_fd(STDOUT_FILENO, "\x1b[H\x1b[2J" + prompt);
                cursor_row_ = 0;
                cursor_col_ = static_cast<int>(display_width(prompt));
                break;
            case key_kind::paste_start: pasting_ = true; break;
            case key_kind::paste_end: pasting_ = false; break;
            case key_kind::ignore: break;
        }
        redraw(prompt, pasting_ ? "" : placeholder, buf);
    }
}

}  // namespace lokal::cli
