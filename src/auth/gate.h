// The authentication hook: reads the credential of a request (API key or
// web session), checks it against accounts and the route's need (policy.h),
// and answers 401/403 in the dialect of the route: Ollama's {"error": ...}
// on native routes, OpenAI's and Anthropic's error bodies under /v1.
//
// Credentials: `Authorization: Bearer <key>`, `x-api-key: <key>` (what the
// OpenAI, Anthropic and ollama clients send), or the web UI's session
// cookie. Never a query parameter: URLs end up in logs and browser history.
#pragma once

#include "auth/accounts.h"
#include "auth/limiter.h"
#include "http/server.h"

#include <functional>
#include <string>
#include <string_view>

namespace lokal::auth {

constexpr const char * session_cookie = "lokal_session";
constexpr const char * csrf_header = "X-Lokal-CSRF";

struct gate_options {
    bool enabled = false;  // LOKAL_AUTH; off: everyone is admitted with no principal
    // The web UI's files (registered by webui/) are open like `/`.
    std::function<bool(std::string_view pattern)> is_open_file;
    int rate_limit = 0;    // LOKAL_RATE_LIMIT: requests per minute per key or session; 0: none
};

class gate {
public:
    gate(accounts & a, gate_options o) : accounts_(a), opts_(std::move(o)), rate_(opts_.rate_limit) {}

    http::admission admit(const http::request & req, const std::string & pattern);
    // What a route needs, the web UI's files included.
    need need_for(std::string_view method, std::string_view pattern) const;

private:
    result<principal> identify(const http::request & req);
    accounts & accounts_;
    gate_options opts_;
    rate_limiter rate_;
};

// The credential a request carries in its headers (empty: none), and whether
// it came from the session cookie.
struct credential {
    std::string secret;
    bool from_cookie = false;
};
credential credential_of(const http::request & req);

// Who sent a request: the principal of its key or session cookie, with the
// scopes that credential holds. For handlers of routes the gate admitted
// (the CSRF token is not checked again).
result<principal> caller(accounts & a, const http::request & req);

// The CSRF token of a session: derived from its secret, so it needs no
// storage; a page on another site can neither read it nor guess it.
std::string csrf_token(std::string_view session_secret);

// The refusal for a route: status 401 or 403 with the body of its dialect.
http::response refusal(std::string_view path, int status, const std::string & message);

}  // namespace lokal::auth
