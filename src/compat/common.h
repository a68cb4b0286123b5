// What the OpenAI and Anthropic translators share: the error bodies of both
// dialects, Server-Sent Events framing, NDJSON line splitting, ids, and small
// typed readers for request fields. Pure functions: no I/O, no server state.
#pragma once

#include "core/json.h"
#include "core/result.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lokal::compat {

// OpenAI's error body {"error":{"message","type","param","code"}}; the type
// follows the HTTP status as Ollama's layer and OpenAI name them.
json openai_error(int status, std::string_view message);
// Anthropic's error body {"type":"error","error":{"type","message"}}.
json anthropic_error(int status, std::string_view message);
// Anthropic's error type for a status ("invalid_request_error", ...).
std::string anthropic_error_type(int status);

// The message inside a native error body ({"error":"..."}); the raw text
// when the body is not that shape.
std::string native_error_message(std::string_view body);

// Compact JSON of the native requests a translator builds (invalid UTF-8
// replaced); what goes to the client is in Go's encoding (http::json_text).
std::string dump(const json & j);
// "data: <json>\n\n", the JSON in Go's encoding
std::string sse_data(const json & j);
// "event: <name>\ndata: <json>\n\n"
std::string sse_event(std::string_view name, const json & j);

// Cuts a byte stream into complete lines (the native NDJSON stream arrives
// in arbitrary pieces). Lines longer than the limit are an error.
class line_splitter {
public:
    explicit line_splitter(size_t max_line = 64u << 20) : max_line_(max_line) {}
    // Appends data and returns the complete lines it closed, without "\n".
    result<std::vector<std::string>> feed(std::string_view data);

private:
    std::string pending_;
    size_t max_line_;
};

// prefix + n random decimal digits ("chatcmpl-" + 3 as Ollama does).
std::string random_digits_id(std::string_view prefix, int digits);
// prefix + 24 random lowercase hex digits ("msg_", "toolu_", "call_").
std::string random_hex_id(std::string_view prefix);

// Seconds since the Unix epoch, now.
int64_t unix_now();
// Seconds since the epoch of an RFC 3339 timestamp (Ollama's created_at,
// modified_at); now when it cannot be parsed.
int64_t unix_from_rfc3339(std::string_view ts);

// The native answer's message object (empty when absent), and one of its
// integer counts (0 when absent): prompt_eval_count, eval_count.
const json & reply_message(const json & native);
int64_t reply_count(const json & native, const char * key);

// Typed readers: absent or null leaves out untouched; a wrong type is an
// invalid_request naming the field.
status read_string(const json & body, const char * key, std::optional<std::string> & out);
status read_number(const json & body, const char * key, std::optional<double> & out);
status read_integer(const json & body, const char * key, std::optional<int64_t> & out);
status read_bool(const json & body, const char * key, std::optional<bool> & out);
error field_error(std::string_view field, std::string_view expected);

// "stop" as OpenAI sends it: a string or an array of strings.
result<std::vector<std::string>> read_stop(const json & value, std::string_view field);

// Extra body fields lokal accepts on every dialect: "options" (native
// options, merged first) and "num_ctx" (the context size), "keep_alive".
status apply_extra_fields(const json & body, json & native);

}  // namespace lokal::compat
