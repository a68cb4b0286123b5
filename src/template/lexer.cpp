#include "template/lexer.h"

#include "template/text.h"

#include <cstdio>

namespace lokal::tmpl {

namespace {

constexpr std::string_view left_delim = "{{";
constexpr std::string_view right_delim = "}}";
constexpr std::string_view left_comment = "/*";
constexpr std::string_view right_comment = "*/";
constexpr std::size_t trim_marker_len = 2;  // the '-' and the space beside it
constexpr char32_t eof_rune = 0xFFFFFFFF;

bool is_space(char32_t r) { return r == ' ' || r == '\t' || r == '\r' || r == '\n'; }

bool has_left_trim_marker(std::string_view s) { return s.size() >= 2 && s[0] == '-' && is_space(s[1]); }

bool has_right_trim_marker(std::string_view s) { return s.size() >= 2 && is_space(s[0]) && s[1] == '-'; }

std::size_t right_trim_length(std::string_view s) {
    std::size_t n = 0;
    while (n < s.size() && is_space(s[s.size() - 1 - n])) {
        ++n;
    }
    return n;
}

std::size_t left_trim_length(std::string_view s) {
    std::size_t n = 0;
    while (n < s.size() && is_space(s[n])) {
        ++n;
    }
    return n;
}

bool starts_with(std::string_view s, std::size_t at, std::string_view prefix) {
    return at <= s.size() && s.substr(at).substr(0, prefix.size()) == prefix;
}

tok keyword(std::string_view word) {
    if (word == "block") return tok::block;
    if (word == "break") return tok::brk;
    if (word == "continue") return tok::cont;
    if (word == "define") return tok::define;
    if (word == "else") return tok::else_;
    if (word == "end") return tok::end;
    if (word == "if") return tok::if_;
    if (word == "nil") return tok::nil;
    if (word == "range") return tok::range;
    if (word == "template") return tok::template_;
    if (word == "with") return tok::with;
    return tok::error;
}

// Go's %#U: "U+0023 '#'".
std::string rune_desc(char32_t r) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(r));
    std::string s = buf;
    if (is_print(r)) {
        s += " '";
        append_utf8(s, r);
        s += "'";
    }
    return s;
}

}  // namespace

std::string describe(const token & t) {
    switch (t.type) {
    case tok::eof: return "EOF";
    case tok::error: return std::string(t.val);
    default: break;
    }
    if (t.type >= tok::block) {
        return "<" + std::string(t.val) + ">";
    }
    if (rune_count(t.val) > 10) {
        // Go's %.10q: the first ten runes, quoted.
        std::size_t i = 0;
        for (int n = 0; n < 10; ++n) {
            std::size_t w = 1;
            decode_rune(t.val, i, w);
            i += w;
        }
        return go_quote(t.val.substr(0, i)) + "...";
    }
    return go_quote(t.val);
}

char32_t lexer::next_rune() {
    if (pos_ >= in_.size()) {
        last_width_ = 0;
        return eof_rune;
    }
    std::size_t w = 1;
    char32_t r = decode_rune(in_, pos_, w);
    pos_ += w;
    last_width_ = w;
    return r;
}

char32_t lexer::peek_rune() const {
    if (pos_ >= in_.size()) {
        return eof_rune;
    }
    std::size_t w = 1;
    return decode_rune(in_, pos_, w);
}

void lexer::backup() { pos_ -= last_width_; last_width_ = 0; }

bool lexer::accept(std::string_view valid) {
    if (pos_ < in_.size() && valid.find(in_[pos_]) != std::string_view::npos) {
        ++pos_;
        return true;
    }
    return false;
}

void lexer::accept_run(std::string_view valid) {
    while (accept(valid)) {
    }
}

int lexer::line_at(std::size_t pos) {
    if (pos < line_pos_) {
        line_pos_ = 0;
        line_ = 1;
    }
    for (; line_pos_ < pos && line_pos_ < in_.size(); ++line_pos_) {
        if (in_[line_pos_] == '\n') {
            ++line_;
        }
    }
    return line_;
}

token lexer::emit(tok type) {
    token t{type, start_, in_.substr(start_, pos_ - start_), line_at(start_)};
    start_ = pos_;
    return t;
}

token lexer::error(std::string message) {
    error_ = std::move(message);
    token t{tok::error, start_, error_, line_at(start_)};
    done_ = true;
    return t;
}

void lexer::ignore() { start_ = pos_; }

token lexer::next() {
    if (done_) {
        return token{tok::eof, pos_, "EOF", line_at(pos_)};
    }
    return inside_action_ ? lex_inside_action() : lex_text();
}

token lexer::lex_text() {
    for (;;) {
        std::size_t x = in_.find(left_delim, pos_);
        if (x == std::string_view::npos) {
            pos_ = in_.size();
            if (pos_ > start_) {
                return emit(tok::text);
            }
            done_ = true;
            return emit(tok::eof);
        }
        if (x > pos_) {
            pos_ = x;
            std::size_t trim = 0;
            if (has_left_trim_marker(in_.substr(pos_ + left_delim.size()))) {
                trim = right_trim_length(in_.substr(start_, pos_ - start_));
            }
            token t{tok::text, start_, in_.substr(start_, pos_ - trim - start_), line_at(start_)};
            start_ = pos_;
            if (!t.val.empty()) {
                return t;
            }
        }
        if (std::optional<token> d = lex_left_delim()) {
            return *d;  // a comment yields nothing: go on with the text after it
        }
    }
}

std::optional<token> lexer::lex_left_delim() {
    pos_ += left_delim.size();
    const bool trim = has_left_trim_marker(in_.substr(pos_));
    const std::size_t after_marker = trim ? trim_marker_len : 0;
    if (starts_with(in_, pos_ + after_marker, left_comment)) {
        pos_ += after_marker;
        ignore();
        return lex_comment();
    }
    token t = emit(tok::left_delim);
    inside_action_ = true;
    pos_ += after_marker;
    ignore();
    paren_depth_ = 0;
    return t;
}

std::optional<token> lexer::lex_comment() {
    pos_ += left_comment.size();
    std::size_t x = in_.find(right_comment, pos_);
    if (x == std::string_view::npos) {
        return error("unclosed comment");
    }
    pos_ = x + right_comment.size();
    bool trim = false;
    if (!at_right_delim(trim)) {
        return error("comment ends before closing delimiter");
    }
    if (trim) {
        pos_ += trim_marker_len;
    }
    pos_ += right_delim.size();
    if (trim) {
        pos_ += left_trim_length(in_.substr(pos_));
    }
    ignore();
    return std::nullopt;
}

bool lexer::at_right_delim(bool & trim) const {
    if (has_right_trim_marker(in_.substr(pos_)) && starts_with(in_, pos_ + trim_marker_len, right_delim)) {
        trim = true;
        return true;
    }
    trim = false;
    return starts_with(in_, pos_, right_delim);
}

token lexer::lex_right_delim() {
    bool trim = false;
    at_right_delim(trim);
    if (trim) {
        pos_ += trim_marker_len;
        ignore();
    }
    pos_ += right_delim.size();
    token t = emit(tok::right_delim);
    if (trim) {
        pos_ += left_trim_length(in_.substr(pos_));
        ignore();
    }
    inside_action_ = false;
    return t;
}

token lexer::lex_inside_action() {
    bool trim = false;
    if (at_right_delim(trim)) {
        if (paren_depth_ == 0) {
            return lex_right_delim();
        }
        return error("unclosed left paren");
    }
    const char32_t r = next_rune();
    if (r == eof_rune) {
        return error("unclosed action");
    }
    if (is_space(r)) {
        backup();  // the space may belong to a " -}}"
        return lex_space();
    }
    switch (r) {
    case '=': return emit(tok::assign);
    case ':':
        if (next_rune() != '=') {
            return error("expected :=");
        }
        return emit(tok::declare);
    case '|': return emit(tok::pipe);
    case '"': return lex_quote();
    case '`': return lex_raw_quote();
    case '$':
        if (at_terminator()) {
            return emit(tok::variable);
        }
        return lex_field_or_variable(tok::variable);
    case '\'': return lex_char();
    case '(':
        ++paren_depth_;
        return emit(tok::left_paren);
    case ')':
        if (--paren_depth_ < 0) {
            return error("unexpected right paren");
        }
        return emit(tok::right_paren);
    default: break;
    }
    if (r == '.' && pos_ < in_.size() && (in_[pos_] < '0' || in_[pos_] > '9')) {
        return lex_field_or_variable(tok::field);
    }
    if (r == '.' || r == '+' || r == '-' || (r >= '0' && r <= '9')) {
        backup();
        return lex_number();
    }
    if (is_alnum_rune(r)) {
        backup();
        return lex_identifier();
    }
    if (r < 0x80 && r >= 0x20 && r < 0x7F) {
        return emit(tok::chr);
    }
    return error("unrecognized character in action: " + rune_desc(r));
}

token lexer::lex_space() {
    int spaces = 0;
    while (pos_ < in_.size() && is_space(in_[pos_])) {
        ++pos_;
        ++spaces;
    }
    // " -}}" ends the action: the last space belongs to the trim marker.
    if (has_right_trim_marker(in_.substr(pos_ - 1)) && starts_with(in_, pos_ - 1 + trim_marker_len, right_delim)) {
        --pos_;
        if (spaces == 1) {
            return lex_right_delim();
        }
    }
    return emit(tok::space);
}

token lexer::lex_identifier() {
    for (;;) {
        const char32_t r = next_rune();
        if (r != eof_rune && is_alnum_rune(r)) {
            continue;
        }
        if (r != eof_rune) {
            backup();
        }
        std::string_view word = in_.substr(start_, pos_ - start_);
        if (!at_terminator()) {
            return error("bad character " + rune_desc(r));
        }
        if (tok k = keyword(word); k != tok::error) {
            return emit(k);
        }
        if (word == "true" || word == "false") {
            return emit(tok::boolean);
        }
        return emit(tok::identifier);
    }
}

token lexer::lex_field_or_variable(tok type) {
    if (at_terminator()) {  // "." alone (a "$" alone was handled before)
        return emit(type == tok::variable ? tok::variable : tok::dot);
    }
    char32_t r = 0;
    for (;;) {
        r = next_rune();
        if (r == eof_rune || !is_alnum_rune(r)) {
            if (r != eof_rune) {
                backup();
            }
            break;
        }
    }
    if (!at_terminator()) {
        return error("bad character " + rune_desc(r));
    }
    return emit(type);
}

bool lexer::at_terminator() const {
    const char32_t r = peek_rune();
    if (r == eof_rune || is_space(r)) {
        return true;
    }
    switch (r) {
    case '.':
    case ',':
    case '|':
    case ':':
    case ')':
    case '(':
        return true;
    default:
        return starts_with(in_, pos_, right_delim);
    }
}

token lexer::lex_char() { return lex_escaped('\'', tok::char_constant, "unterminated character constant"); }

// A literal with backslash escapes that must close on its line.
token lexer::lex_escaped(char32_t close, tok kind, const char * unterminated) {
    for (;;) {
        const char32_t r = next_rune();
        if (r == '\\') {
            const char32_t e = next_rune();
            if (e != eof_rune && e != '\n') {
                continue;
            }
            return error(unterminated);
        }
        if (r == eof_rune || r == '\n') {
            return error(unterminated);
        }
        if (r == close) {
            return emit(kind);
        }
    }
}

bool lexer::scan_number() {
    accept("+-");
    std::string_view digits = "0123456789_";
    if (accept("0")) {
        if (accept("xX")) {
            digits = "0123456789abcdefABCDEF_";
        } else if (accept("oO")) {
            digits = "01234567_";
        } else if (accept("bB")) {
            digits = "01_";
        }
    }
    accept_run(digits);
    if (accept(".")) {
        accept_run(digits);
    }
    if (digits.size() == 11 && accept("eE")) {
        accept("+-");
        accept_run("0123456789_");
    }
    if (digits.size() == 23 && accept("pP")) {
        accept("+-");
        accept_run("0123456789_");
    }
    accept("i");
    const char32_t r = peek_rune();
    if (r != eof_rune && is_alnum_rune(r)) {
        next_rune();
        return false;
    }
    return true;
}

token lexer::lex_number() {
    if (!scan_number()) {
        return error("bad number syntax: " + go_quote(in_.substr(start_, pos_ - start_)));
    }
    if (pos_ < in_.size() && (in_[pos_] == '+' || in_[pos_] == '-')) {
        if (!scan_number() || in_[pos_ - 1] != 'i') {
            return error("bad number syntax: " + go_quote(in_.substr(start_, pos_ - start_)));
        }
        return emit(tok::complex);
    }
    return emit(tok::number);
}

token lexer::lex_quote() { return lex_escaped('"', tok::string, "unterminated quoted string"); }

token lexer::lex_raw_quote() {
    for (;;) {
        const char32_t r = next_rune();
        if (r == eof_rune) {
            return error("unterminated raw quoted string");
        }
        if (r == '`') {
            return emit(tok::raw_string);
        }
    }
}

}  // namespace lokal::tmpl
