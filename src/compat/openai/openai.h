// OpenAI's API as a translation onto the native one: each function turns an
// OpenAI request body into native request bodies (/api/chat, /api/generate,
// /api/embed) or native results (NDJSON lines, final objects) into OpenAI's
// objects. Field by field as Ollama's own compatibility layer writes them
// (openai/openai.go there), with the gaps filled from OpenAI's API reference.
#pragma once

#include "core/json.h"
#include "core/result.h"

#include <cstdint>
#include <string>
#include <vector>

namespace lokal::compat::openai {

// What the route has to run: one native request per choice (n > 1, or one
// per prompt on /v1/completions), in choice order.
struct plan {
    std::vector<json> natives;
    std::string model;
    bool stream = false;
    bool include_usage = false;  // stream_options.include_usage
    std::string echo;            // /v1/completions echo: the prompt, repeated before the text
};

// The most choices one request may ask for (n, or prompts x n).
constexpr int max_choices = 16;

// POST /v1/chat/completions → /api/chat bodies.
result<plan> chat_request(const json & body);
// POST /v1/completions → /api/generate bodies.
result<plan> completion_request(const json & body);

// Identity and time shared by every object of one response.
struct stamp {
    std::string id;  // "chatcmpl-123", "cmpl-123"
    int64_t created = 0;
    std::string model;
};

// Native tool calls → OpenAI's (arguments as a JSON string, type "function").
json tool_calls(const json & native_calls);

// A non-streamed chat completion from the native final object of each choice.
json chat_completion(const stamp & s, const std::vector<json> & finals);
// One streamed chunk from one native NDJSON object of choice `index`;
// tool_call_sent carries over between the chunks of one choice.
json chat_chunk(const stamp & s, int index, const json & native, bool & tool_call_sent);

// A non-streamed text completion; echo is prepended to each text; prompts:
// how many distinct prompts the choices answer (for usage).
json completion(const stamp & s, const std::vector<json> & finals, const std::string & echo, size_t prompts = 1);
// One streamed text-completion chunk.
json completion_chunk(const stamp & s, int index, const std::string & text, const json & native);

// Usage summed over the choices' native final objects (prompt counted once
// per distinct prompt: callers pass how many prompts there were).
json usage(const std::vector<json> & finals, size_t prompts = 1);
// The last streamed chunk when include_usage: no choices, the usage.
json usage_chunk(const stamp & s, const char * object, const json & usage);

// GET /v1/models from the native /api/tags body; GET /v1/models/{id} from
// /api/show's body.
json model_list(const json & tags);
json model_object(const std::string & id, const json & show);
// "owned_by": the namespace of a model name ("library" for plain names).
std::string owner_of(const std::string & name);

// POST /v1/embeddings → an /api/embed body; encoding_format is checked here.
struct embed_plan {
    json native;
    std::string model;
    bool base64 = false;
};
result<embed_plan> embeddings_request(const json & body);
json embedding_list(const embed_plan & p, const json & native);

}  // namespace lokal::compat::openai
