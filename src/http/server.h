// A small HTTP interface over cpp-httplib. Handlers see only these types:
// a request with its body already read (up to a limit), a response they fill,
// and, for streaming bodies, a writer that reports when the client is gone.
#pragma once

#include "core/json.h"
#include "core/result.h"
#include "http/guard.h"

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace lokal::http {

struct request {
    std::string method;
    std::string path;
    std::string body;                              // empty for upload routes
    std::string remote_addr;
    // Who is asking, for the audit log and per-user data: the user name once
    // authentication (auth/) has accepted a key or session; empty when
    // authentication is off. Filled before the route runs.
    std::string principal;
    std::map<std::string, std::string> params;     // path parameters, e.g. "digest"
    std::map<std::string, std::string> query;
    std::vector<std::pair<std::string, std::string>> headers;
    // True once the client has gone away (valid during the handler call).
    std::function<bool()> is_closed = [] { return false; };

    // Case-insensitive header lookup; empty when absent.
    std::string header(std::string_view name) const;
};

// Writes a streaming body. write() returns false once the client is gone:
// the producer then stops and cancels its work.
class stream_writer {
public:
    virtual ~stream_writer() = default;
    virtual bool write(std::string_view data) = 0;
    virtual bool alive() const = 0;
};

struct response {
    int status = 200;
    std::string content_type = "application/json; charset=utf-8";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    // When set, the body is produced by this function, chunk by chunk.
    std::function<void(stream_writer &)> stream;
    // The route recorded this answer in the audit log itself, so a 401/403
    // is not recorded a second time by the server's denied hook.
    bool audited = false;
};

using handler = std::function<void(const request &, response &)>;

// Authentication's answer for one request (auth/ decides; http/ only asks).
struct admission {
    bool allowed = true;
    std::string principal;  // becomes request::principal
    response refusal;       // sent instead of the route when not allowed
};
// Asked once per request, after routing found the route and before its body
// is read: pattern is the route as registered, empty when none matched.
using authorizer = std::function<admission(const request & req, const std::string & pattern)>;

// A registered route, for listings and for checking the policy covers them.
struct route_info {
    std::string method;
    std::string pattern;
};

// Pulls a large body in pieces; the sink returns false to abort. Returns
// false when the client went away or the sink aborted.
using body_sink = std::function<bool(const char * data, size_t size)>;
using body_reader = std::function<bool(const body_sink &)>;
using upload_handler = std::function<void(const request &, const body_reader &, response &)>;

struct server_options {
    std::string host = "127.0.0.1";
    int port = 11434;
    size_t max_body_bytes = 64u << 20;     // JSON bodies
    size_t max_upload_bytes = 256ull << 30; // upload routes, checked against Content-Length first
    // Host/Origin/content-type checks (http/guard.h); bound_host is filled from host.
    guard_options guard;
    std::string tls_cert;                  // PEM files: serve HTTPS (TLS 1.2+) when both are set
    std::string tls_key;
    int max_connections = 256;
    std::chrono::milliseconds header_timeout{10'000};
    std::chrono::milliseconds body_timeout{60'000};
    std::chrono::milliseconds idle_timeout{5'000};
};

class server {
public:
    explicit server(server_options opts);
    ~server();

    void route(const std::string & method, const std::string & pattern, handler h);
    void upload_route(const std::string & method, const std::string & pattern, upload_handler h);
    // Called after each routed request with the route's pattern and the status
    // sent (for metrics). Set before serve().
    void on_response(std::function<void(const std::string & pattern, int status)> fn);
    // Every request passes fn before its route (and before a 404 for an
    // unknown path). Set before serve(); none: everyone is admitted.
    void authorize(authorizer fn);
    // The routes registered so far, in order.
    const std::vector<route_info> & routes() const;
    // Called before the answer is sent for every request refused in front of
    // routing (Host, CORS, form posts) and every routed 401/403 (for the
    // audit log). message is the error text sent. Set before serve().
    using denied_fn = std::function<void(const request & req, int status, const std::string & message)>;
    void on_denied(denied_fn fn);

    // Binds (port 0 picks a free one) without serving yet.
    status bind();
    int port() const;
    // Serves until stop(); blocks.
    status serve();
    void stop();

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

// The one mapping from our error codes to HTTP.
int status_for(errc code);

// Fills res with {"error": message} and the mapped status.
void set_error(response & res, const error & err);
void set_json(response & res, const json & body, int status = 200);
// Answers with what body() returns: its JSON with ok_status, or its error.
template <class F>
void reply(response & res, F && body, int ok_status = 200) {
    result<json> r = body();
    if (!r) return set_error(res, r.err());
    set_json(res, *r, ok_status);
}
// The one JSON encoding of every answer: Go's encoding/json, as Ollama writes
// it (core/gojson.h: "<" as "\u003c", Go's float forms, invalid UTF-8 as
// U+FFFD). json_line adds the newline of an NDJSON stream line.
std::string json_text(const json & body);
std::string json_line(const json & body);
// The "error" text of a JSON error body (empty when there is none).
std::string error_text(std::string_view body);

// Parses a JSON request body. An empty body is an error unless allow_empty.
result<json> parse_json_body(const request & req, bool allow_empty = false);

}  // namespace lokal::http
