// OpenAI's Responses API (POST /v1/responses), stateless, as a translation
// onto the native /api/chat: the request becomes a Chat Completions body
// (then the native one, as /v1/chat/completions does); native results
// become response objects, and a native NDJSON stream becomes the
// Responses event stream (response.created, response.in_progress,
// response.output_item.added, response.content_part.added,
// response.output_text.delta, ..., response.completed).
#pragma once

#include "compat/openai/openai.h"

#include <string>
#include <vector>

namespace lokal::compat::openai {

struct responses_plan {
    plan chat;  // one native /api/chat body
    json echo;  // the request fields every response object repeats
};

result<responses_plan> responses_request(const json & body);

// A finished response from the native final object.
json response_object(const json & echo, const std::string & id, int64_t created, const json & native);

// Native NDJSON objects in, Server-Sent Events out.
class response_stream {
public:
    response_stream(json echo, std::string id, int64_t created);
    // response.created and response.in_progress.
    std::string start();
    // The events for one native object; an {"error"} object becomes an
    // "error" event, after which finished() is true.
    std::string add(const json & native);
    bool finished() const { return finished_; }

private:
    std::string event(const char * type, json data);
    json shell(const char * status, json output, json usage) const;
    std::string open_reasoning();
    std::string close_reasoning();
    std::string open_message();
    std::string close_message();
    std::string add_calls(const json & native_calls);
    std::string finish(const json & native);

    json echo_;
    std::string id_;
    int64_t created_ = 0;
    int seq_ = 0;
    int next_index_ = 0;
    json output_ = json::array();  // finished items, in output order
    bool finished_ = false;
    // The reasoning item being streamed.
    bool reasoning_open_ = false;
    std::string reasoning_id_, reasoning_;
    int reasoning_index_ = 0;
    // The message item being streamed.
    bool message_open_ = false;
    std::string message_id_, text_;
    json logprobs_ = json::array();  // of the text so far, with include: ["message.output_text.logprobs"]
    int message_index_ = 0;
};

}  // namespace lokal::compat::openai
