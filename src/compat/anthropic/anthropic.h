// Anthropic's Messages API as a translation onto native /api/chat: requests
// into native bodies, native results into Anthropic's message objects and
// its stream of named SSE events. As Ollama's anthropic/ package does, with
// Anthropic's own shapes where Ollama leaves a field out.
#pragma once

#include "core/json.h"
#include "core/result.h"

#include <string>
#include <vector>

namespace lokal::compat::anthropic {

struct plan {
    json native;  // the /api/chat body
    std::string model;
    bool stream = false;
};

// POST /v1/messages → /api/chat.
result<plan> messages_request(const json & body);
// POST /v1/messages/count_tokens, in two native steps: an /api/chat body
// that only renders the prompt ("_debug_render_only"), then an
// /api/tokenize body for what it rendered; the token count is the answer.
result<plan> count_tokens_request(const json & body);
json tokenize_request(const std::string & model, const json & rendered);

// Native done_reason (and whether tools were called) → stop_reason.
std::string stop_reason(const std::string & done_reason, bool tool_calls);

// A non-streamed message from the native final object.
json message(const std::string & id, const std::string & model, const json & native);

// Turns native NDJSON objects into Anthropic's events, in order: message_start
// and ping first, then content blocks (thinking, text, tool_use) opened,
// filled and closed, then message_delta and message_stop.
class stream_converter {
public:
    stream_converter(std::string id, std::string model) : id_(std::move(id)), model_(std::move(model)) {}
    // The SSE bytes for one native object (empty when it adds nothing).
    std::string on_native(const json & native);

private:
    std::string start_block(const json & block);
    std::string stop_block();

    std::string id_;
    std::string model_;
    bool started_ = false;
    int index_ = 0;           // the open (or next) block's index
    std::string open_;        // type of the open block, "" when none
    bool tool_used_ = false;
};

}  // namespace lokal::compat::anthropic
