// Tokens of Go's text/template syntax with its exact trimming and line rules.
// Internal to lokal_template.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lokal::tmpl {

enum class tok : std::uint8_t {
    error,  // text is the message
    boolean,
    chr,    // a printable ASCII character such as ','
    char_constant,
    complex,
    assign,
    declare,
    eof,
    field,
    identifier,
    left_delim,
    left_paren,
    number,
    pipe,
    raw_string,
    right_delim,
    right_paren,
    space,
    string,
    text,
    variable,
    // keywords
    block,
    brk,
    cont,
    dot,
    define,
    else_,
    end,
    if_,
    nil,
    range,
    template_,
    with,
};

struct token {
    tok type = tok::eof;
    std::size_t pos = 0;
    std::string_view val;  // a view into the source, or the error message
    int line = 1;
};

// Go's item.String(), used in "unexpected ..." messages.
std::string describe(const token & t);

class lexer {
public:
    explicit lexer(std::string_view input) : in_(input) {}

    token next();

private:
    token lex_text();
    std::optional<token> lex_left_delim();
    std::optional<token> lex_comment();
    token lex_right_delim();
    token lex_inside_action();
    token lex_space();
    token lex_identifier();
    token lex_field_or_variable(tok type);
    token lex_char();
    token lex_number();
    token lex_quote();
    token lex_escaped(char32_t close, tok kind, const char * unterminated);
    token lex_raw_quote();
    bool scan_number();

    bool at_terminator() const;
    bool at_right_delim(bool & trim) const;
    char32_t peek_rune() const;
    char32_t next_rune();
    void backup();
    token emit(tok type);
    token error(std::string message);
    void ignore();
    int line_at(std::size_t pos);
    bool accept(std::string_view valid);
    void accept_run(std::string_view valid);

    std::string_view in_;
    std::size_t pos_ = 0;
    std::size_t start_ = 0;
    std::size_t last_width_ = 0;
    int paren_depth_ = 0;
    bool inside_action_ = false;
    bool done_ = false;
    std::string error_;  // owns the message an error token points at
    // Incremental newline counting for line_at.
    std::size_t line_pos_ = 0;
    int line_ = 1;
};

}  // namespace lokal::tmpl
