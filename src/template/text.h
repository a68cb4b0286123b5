// Byte-level helpers shared by the lexer and the Go formatting code: UTF-8
// decoding with Go's rules (invalid bytes decode as U+FFFD, one byte wide),
// Go's quoting and its printable-rune test.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace lokal::tmpl {

constexpr char32_t rune_error = 0xFFFD;

// Decodes the rune at s[i]; `width` is its byte length (1 for invalid bytes).
char32_t decode_rune(std::string_view s, std::size_t i, std::size_t & width);

void append_utf8(std::string & out, char32_t r);

std::size_t rune_count(std::string_view s);

// unicode.IsPrint, approximated: graphic runes and the ASCII space; no
// control, format, surrogate, private-use or line/paragraph separators.
bool is_print(char32_t r);

// unicode.IsLetter || '_' || unicode.IsDigit, approximated for non-ASCII
// (any printable non-ASCII rune counts as a letter).
bool is_alnum_rune(char32_t r);

// strconv.Quote / strconv.QuoteRune; ascii_only for QuoteToASCII and
// QuoteRuneToASCII (printf's %+q).
std::string go_quote(std::string_view s, bool ascii_only = false);
std::string go_quote_rune(char32_t r, bool ascii_only = false);

// Parses a Go string, raw string or rune literal body with its quotes, as
// strconv.Unquote does. Returns false on malformed input.
bool go_unquote(std::string_view lit, std::string & out);

// The value of a Go rune literal such as 'a', '\n' or '\x80'.
bool go_char_value(std::string_view lit, char32_t & r);

// Numeric literals as Go's strconv reads them (base prefixes 0x, 0o, 0b and
// a leading 0 for octal; underscores only between digits).
bool strip_underscores(std::string_view text, std::string & out);
bool parse_go_uint(std::string_view s, std::uint64_t & v);
bool parse_go_int(std::string_view s, std::int64_t & v);
bool parse_go_float(const std::string & s, double & f);

}  // namespace lokal::tmpl
