// How the OpenAI and Anthropic routes run the native handlers: build a native
// request from a translated body, call the handler, read its answer back
// (one JSON object, an error, or an NDJSON stream), and relay native streams
// line by line to a translator that writes the dialect's events.
#pragma once

#include "core/json.h"
#include "http/server.h"

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace lokal::handlers::compat_bridge {

using native_fn = std::function<void(const http::request &, http::response &)>;

// A native response, read back.
struct outcome {
    int status = 200;
    json body;          // the object, when status is 200 and nothing streams
    std::string error;  // the native error message when status is not 200
    std::vector<std::pair<std::string, std::string>> headers;  // of an error (Retry-After on a busy 503)
    std::function<void(http::stream_writer &)> stream;  // set when the native route streams
    bool ok() const { return status == 200; }
};

// Calls fn with body as the request body (headers and client state of req).
outcome call(const native_fn & fn, const http::request & req, const json & body);
// Calls fn once per body, concurrently when there are several (n choices
// share the model's slots); the outcomes in body order.
std::vector<outcome> call_all(const native_fn & fn, const http::request & req, const std::vector<json> & bodies);
// The first failed outcome, or null.
const outcome * first_failure(const std::vector<outcome> & outs);

// Receives each native NDJSON object of choice `index`; writes what it
// likes to w and returns false to stop (the client is gone, or an error
// was written). Calls are serialised.
using line_fn = std::function<bool(size_t index, const json & obj, http::stream_writer & w)>;
// Relays every outcome's stream concurrently (an outcome without a stream
// counts as one line: its body). False when a line_fn call returned false.
bool relay(std::vector<outcome> & outs, http::stream_writer & w, const line_fn & on_line);

// A dialect's error body: compat::openai_error or compat::anthropic_error.
using error_body_fn = json (*)(int status, std::string_view message);

// Answers with the dialect's error body (and no stream).
void send_error(http::response & res, error_body_fn body, int status, const std::string & message);
void send_error(http::response & res, error_body_fn body, const error & err);
// A failed native call: its status, message and headers (Retry-After).
void send_failure(http::response & res, error_body_fn body, const outcome & o);

}  // namespace lokal::handlers::compat_bridge
