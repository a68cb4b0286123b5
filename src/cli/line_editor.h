// A small raw-mode line editor for the REPL (no readline dependency):
// cursor keys, Home/End, Ctrl+A/E/B/F/K/U/W/L, Alt+B/F, backspace/delete,
// history on Up/Down (Ctrl+P/N), a grey placeholder on an empty line, and
// bracketed paste so a pasted block arrives as lines flagged "pasting".
// The editing logic (edit_buffer, history, key decoding) is separate from
// the terminal so it is unit-tested.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace lokal::cli {

// The line being edited, as code points, with a cursor.
class edit_buffer {
public:
    void insert(char32_t c);
    void backspace();
    void delete_forward();
    void left();
    void right();
    void home() { cursor_ = 0; }
    void end() { cursor_ = text_.size(); }
    void word_left();
    void word_right();
    void kill_to_end();
    void kill_to_start();
    void delete_word_before();
    void replace(const std::string & utf8);

    bool empty() const { return text_.empty(); }
    size_t size() const { return text_.size(); }
    size_t cursor() const { return cursor_; }
    std::string text() const;               // UTF-8
    std::string text_before_cursor() const;  // UTF-8

private:
    std::u32string text_;
    size_t cursor_ = 0;
};

class line_history {
public:
    void add(const std::string & line);
    // Up/Down: the older/newer entry; the line being typed is kept aside and
    // comes back after the newest entry.
    std::optional<std::string> prev(const std::string & current);
    std::optional<std::string> next();
    void reset_position() { pos_ = entries_.size(); }
    bool enabled = true;

private:
    std::vector<std::string> entries_;
    size_t pos_ = 0;
    std::string scratch_;
};

enum class key_kind {
    character, enter, backspace, del, left, right, up, down, home, end,
    word_left, word_right, kill_to_end, kill_to_start, delete_word,
    clear_screen, interrupt, eof, paste_start, paste_end, ignore,
};

struct key {
    key_kind kind = key_kind::ignore;
    char32_t ch = 0;
};

// Reads one key from a byte source (returns -1 at end of input). Escape
// sequences for arrows, Home/End/Delete, Alt+b/f and bracketed paste are
// understood; unknown ones are ignored whole.
key read_key(const std::function<int()> & next_byte);

enum class read_status { line, eof, interrupt };

struct read_result {
    read_status status = read_status::line;
    std::string text;
    bool pasting = false;  // the line ended inside a bracketed paste
};

class line_editor {
public:
    // Prints prompt, edits one line on the terminal, returns it.
    read_result read_line(const std::string & prompt, const std::string & placeholder);
    line_history & history() { return history_; }

private:
    void redraw(const std::string & prompt, const std::string & placeholder, const edit_buffer & buf);
    void finish_line(const std::string & prompt, const edit_buffer & buf);
    bool append_in_place(const std::string & prompt, const edit_buffer & buf, const std::string & typed);
    std::string move_cursor(int row, int col);

    line_history history_;
    bool pasting_ = false;
    // Where the cursor is, relative to the prompt's first row and column 0.
    int cursor_row_ = 0;
    int cursor_col_ = 0;
};

}  // namespace lokal::cli
