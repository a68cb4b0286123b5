// Text encodings that must match Go byte for byte, because Ollama reads and
// hashes what we write (manifests, config and params blobs) and clients
// compare what we print (/api/show's parameters block).
#pragma once

#include "core/json.h"

#include <string>
#include <string_view>

namespace lokal::store {

// JSON as Go's json.Encoder writes it: compact, object keys sorted when
// sort_keys (Go maps) or in insertion order (Go structs), '<' '>' '&'
// U+2028 U+2029 escaped, invalid UTF-8 replaced by U+FFFD, floats in Go's
// shortest form. No trailing newline.
std::string go_json(const json & value, bool sort_keys);

// A JSON string literal as Go's encoder writes it.
std::string go_json_string(std::string_view s);

// Go's %v for a float64: shortest digits, exponent form when the decimal
// exponent is < -4 or >= 6 ("1e-05", "4096", "0.7", "1e+06").
std::string go_format_float(double v);

// Go's %#v for a string: a double-quoted Go string literal.
std::string go_quote(std::string_view s);

// Replaces invalid UTF-8 with U+FFFD so the text can go into JSON safely.
std::string valid_utf8(std::string_view s);

}  // namespace lokal::store
