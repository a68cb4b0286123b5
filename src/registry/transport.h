// One HTTP exchange over libcurl, nothing more: no redirects are followed
// and no credentials are added here (session.h decides both, per hop).
// Only http and https are spoken; TLS peers are always verified.
#pragma once

#include "core/result.h"

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace lokal::registry {

// Returns true when the caller has given up (the client went away).
using cancel_fn = std::function<bool()>;
// Receives the body of a 2xx answer in pieces; false aborts the transfer.
using body_sink = std::function<bool(const char * data, size_t size)>;
// Bytes moved so far (received for GETs, sent for uploads).
using transfer_fn = std::function<void(int64_t done)>;

struct http_request {
    std::string method = "GET";             // GET, HEAD, POST, PUT or PATCH
    std::string url;
    std::vector<std::string> headers;       // "Name: value"
    std::string body;                        // sent as is unless body_file is set
    std::string body_file;                   // sent from this file (body_size bytes from body_offset)
    int64_t body_offset = 0;
    int64_t body_size = 0;
    body_sink sink;                          // for 2xx bodies; otherwise collected
    transfer_fn on_transfer;
    // Called once with the status and headers of a 2xx answer before its
    // body reaches the sink; false aborts the transfer (canceled).
    std::function<bool(long status, const std::map<std::string, std::string> & headers)> on_start;
    // When set, replaces the session's cancel check for this request (a
    // download's worker threads must not poll the client connection).
    cancel_fn cancel;
    // Refuse the connection when it lands on a loopback address (see
    // url.h's keep_off_loopback): forbidden, before anything is sent.
    bool refuse_loopback = false;
    size_t max_collected = 1u << 20;         // cap for collected bodies (errors, JSON)
};

struct http_response {
    long status = 0;
    std::map<std::string, std::string> headers;  // lowercase names; last one wins
    std::string body;                            // collected (non-sink) body, capped

    std::string header(const std::string & lower_name) const;
};

// Performs one exchange. Transport failures are unavailable ("... connection
// refused"); a cancel or a sink that gave up is canceled; a collected body
// over its cap is too_large. HTTP error statuses are NOT errors here.
result<http_response> perform(const http_request & req, const cancel_fn & cancel);

}  // namespace lokal::registry
