// Wire structs for the native inference routes and their JSON decoding.
// Decoding checks types and fills defaults; no logic lives here.
#pragma once

#include "core/json.h"
#include "core/result.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lokal::api {

struct generate_request {
    std::string model;
    std::string prompt;
    std::string suffix;
    std::optional<std::string> system;
    std::optional<std::string> template_text;
    std::vector<int32_t> context;
    std::vector<std::string> images;
    json format = nullptr;
    json options = json::object();
    json think = nullptr;            // null, true/false or "low"/"medium"/"high"/"max" (checked)
    std::string grammar;             // raw GBNF (lokal's extension)
    std::optional<std::chrono::milliseconds> keep_alive;
    bool stream = true;
    bool raw = false;
    bool debug_render_only = false;  // "_debug_render_only": answer the rendered prompt, run nothing
    bool logprobs = false;
    int top_logprobs = 0;            // 0-20
    bool truncate = true;            // false: a prompt longer than the context is refused, not cut
    bool shift = true;               // false: a full context ends the answer ("length") instead of shifting
};

struct message {
    std::string role = {};           // lowercased, as Ollama does
    std::string content = {};
    std::string thinking = {};
    std::vector<std::string> images = {};
    json tool_calls = nullptr;       // [{"id"?, "function": {"index"?, "name", "arguments": {...}}}]
    std::string tool_name = {};
    std::string tool_call_id = {};
};

// tool_choice (lokal's extension; Ollama ignores it): which tools the model
// may or must call.
struct tool_choice {
    enum class mode { auto_, none, required, function };
    mode how = mode::auto_;
    std::string name;                // mode::function
};

struct chat_request {
    std::string model;
    std::vector<message> messages;
    json tools = nullptr;            // null or an array of tool objects
    api::tool_choice tool_choice;
    json format = nullptr;
    json options = json::object();
    json think = nullptr;
    std::string grammar;
    std::optional<std::chrono::milliseconds> keep_alive;
    bool stream = true;
    bool debug_render_only = false;  // "_debug_render_only", as on generate
    bool logprobs = false;
    int top_logprobs = 0;            // 0-20
    bool truncate = true;            // false: a chat longer than the context is refused, not cut
    bool shift = true;               // as on generate
};

result<generate_request> parse_generate(const json & body);
result<chat_request> parse_chat(const json & body);

// Ollama's keep_alive: a number of seconds or a duration string; negative
// means forever (returned as -1 ms).
result<std::chrono::milliseconds> parse_keep_alive(const json & value);

// Ollama's created_at: RFC 3339 with nanoseconds, UTC.
std::string timestamp_now();
std::string format_timestamp(std::chrono::system_clock::time_point tp, bool local = false);

}  // namespace lokal::api
