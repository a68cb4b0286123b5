// Go's text encodings that more than one module must match byte for byte:
// UTF-8 decoding with Go's rules, encoding/json's string and float forms,
// and strconv.FormatFloat (which fmt's %v, %e, %f and %g print with).
#pragma once

#include "core/json.h"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace lokal::gofmt {

// Decodes the UTF-8 sequence at s[i] into cp and returns its length, or 0
// when it is invalid (bad or truncated sequence, overlong form, surrogate,
// above U+10FFFF). Go treats such a byte as U+FFFD one byte wide.
std::size_t decode_utf8(std::string_view s, std::size_t i, char32_t & cp);

// Appends s as a JSON string literal the way encoding/json (Go 1.22 and
// later, which Ollama is built with) writes it: '<' '>' '&' U+2028 U+2029
// and control characters as \u escapes except \b \f \n \r \t, invalid
// UTF-8 as \ufffd.
void append_json_string(std::string & out, std::string_view s);

// encoding/json's float form: shortest digits, exponent form below 1e-6 and
// from 1e21 on ("1e-7", "1e+21"). Empty for NaN and infinities, which Go
// refuses to encode.
std::optional<std::string> json_float(double v);

// The same for a float32 (Go's []float32 fields): the shortest digits that
// read back as that float32, "1e-7" style below 1e-6.
std::optional<std::string> json_float32(float v);

// A JSON value as encoding/json writes it: compact, strings escaped as
// append_json_string does, floats as json_float (non-finite ones as null,
// which Go would refuse), keys in the value's own order.
std::string dump_json(const json & v);

// strconv.FormatFloat(v, fmt, prec, 64) for fmt 'e', 'E', 'f', 'g', 'G',
// 'b', and 'a', 'A' (C's names for Go's 'x', 'X'); prec -1 is the shortest representation that
// reads back exactly. NaN and infinities print as "NaN", "+Inf", "-Inf".
std::string format_float(double v, char fmt, int prec);

// strconv.FormatFloat(float64(v), fmt, -1, 32) for fmt 'e' and 'f'.
std::string format_float32(float v, char fmt);

}  // namespace lokal::gofmt
