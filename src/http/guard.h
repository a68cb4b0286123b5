// Who may talk to the server, from where: the checks every request passes
// before it reaches a route, in one place so that every route (native,
// /v1, the web UI) is covered without opting in.
//
//  - Host allow-list (DNS rebinding): a page on evil.example whose name is
//    re-pointed at 127.0.0.1 reaches us with "Host: evil.example"; only
//    localhost, loopback IPs, the bound address (any local interface address
//    when bound to 0.0.0.0/::) and LOKAL_ALLOWED_HOSTS get through.
//  - CORS: a request with an Origin header is served only when the origin is
//    the server's own (scheme://Host) or listed in LOKAL_ORIGINS.
//  - Form posts: a browser sends text/plain, multipart/form-data and
//    application/x-www-form-urlencoded cross-origin without a CORS preflight
//    (and old browsers without an Origin header). A state-changing request
//    from a browser (Origin or Sec-Fetch-* present) must therefore say
//    application/json, which forces the preflight. Requests from programs
//    are not held to it: `curl -d` sends x-www-form-urlencoded and Node's
//    fetch text/plain, and Ollama's own documentation relies on both.
//
// The startup check that refuses a non-loopback bind without authentication
// lives here too (check_exposure).
#pragma once

#include "core/host.h"
#include "core/result.h"

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lokal::http {

struct guard_options {
    std::string bound_host;                  // the listen address, as configured
    std::vector<std::string> allowed_hosts;  // extra Host names; "*.example.com" and "*" allowed
    std::vector<std::string> origins;        // allowed origins; '*' matches any run of characters
    bool cors_credentials = false;
    bool tls = false;                        // the server's own scheme is https
};

// The parts of a request the guard looks at.
struct request_head {
    std::string_view method;
    std::string_view host;                   // Host header, may carry a port
    std::string_view origin;                 // empty when absent
    std::string_view content_type;
    bool from_browser = false;               // Origin or Sec-Fetch-* present
    bool preflight = false;                  // OPTIONS with Access-Control-Request-Method
};

struct refusal {
    int status;
    std::string message;
};

class request_guard {
public:
    explicit request_guard(guard_options opts);

    // Why a request must not be served: 403 (host, origin) or 415 (a
    // browser-form content type); nullopt when it may go on.
    std::optional<refusal> check(const request_head & head) const;

    bool host_allowed(std::string_view host_header) const;
    bool origin_allowed(std::string_view origin, std::string_view host_header) const;

    // Headers for a response to an allowed origin (empty otherwise).
    std::vector<std::pair<std::string, std::string>> cors_headers(std::string_view origin, std::string_view host_header,
                                                                  bool preflight,
                                                                  std::string_view requested_headers) const;

private:
    guard_options opts_;
    std::vector<std::string> local_addresses_;  // when bound to an unspecified address
};

bool is_unspecified_host(std::string_view host);  // 0.0.0.0, :: or empty

// Startup: may the server listen on `host`? A loopback bind always may; any
// other needs authentication configured (LOKAL_AUTH=1), or the explicit
// insecure opt-out (the caller logs a warning then).
struct exposure {
    bool auth_configured = false;
    bool insecure_no_auth = false;
};
status check_exposure(std::string_view host, const exposure & e);

}  // namespace lokal::http
