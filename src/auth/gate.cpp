#include "auth/gate.h"

#include "auth/crypto.h"
#include "compat/common.h"

#include <cctype>

namespace lokal::auth {

namespace {

bool starts_with_ci(std::string_view s, std::string_view prefix) {
    if (s.size() < prefix.size()) return false;
    for (size_t i = 0; i < prefix.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(s[i])) != std::tolower(static_cast<unsigned char>(prefix[i]))) {
            return false;
        }
    }
    return true;
}

std::string trimmed(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return std::string(s);
}

std::string cookie_value(std::string_view header, std::string_view name) {
    while (!header.empty()) {
        size_t semi = header.find(';');
        std::string item = trimmed(header.substr(0, semi));
        if (item.size() > name.size() && item.compare(0, name.size(), name) == 0 && item[name.size()] == '=') {
            return item.substr(name.size() + 1);
        }
        if (semi == std::string_view::npos) break;
        header.remove_prefix(semi + 1);
    }
    return {};
}

bool changes_state(std::string_view method) { return method != "GET" && method != "HEAD" && method != "OPTIONS"; }

}  // namespace

credential credential_of(const http::request & req) {
    std::string authz = req.header("Authorization");
    if (starts_with_ci(authz, "Bearer ")) return {trimmed(std::string_view(authz).substr(7)), false};
    if (std::string key = trimmed(req.header("x-api-key")); !key.empty()) return {key, false};
    return {cookie_value(req.header("Cookie"), session_cookie), true};
}

std::string csrf_token(std::string_view session_secret) {
    return secret_hash("lokal-csrf:" + std::string(session_secret));
}

http::response refusal(std::string_view path, int status, const std::string & message) {
    http::response res;
    if (path.rfind("/v1/messages", 0) == 0) {
        http::set_json(res, compat::anthropic_error(status, message), status);
    } else if (path.rfind("/v1/", 0) == 0) {
        http::set_json(res, compat::openai_error(status, message), status);
    } else {
        http::set_json(res, json{{"error", message}}, status);
    }
    if (status == 401) res.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"lokal\"");
    return res;
}

need gate::need_for(std::string_view method, std::string_view pattern) const {
    if ((method == "GET" || method == "HEAD") && opts_.is_open_file && opts_.is_open_file(pattern)) return need::open;
    // No route matched: any valid credential may learn that (404).
    if (pattern.empty()) return need::signed_in;
    return required(method, pattern);
}

result<principal> caller(accounts & a, const http::request & req) {
    credential c = credential_of(req);
    if (c.secret.empty()) return make_error(errc::unauthorized, "unauthorized");
    return c.from_cookie ? a.authenticate_session(c.secret) : a.authenticate_key(c.secret);
}

result<principal> gate::identify(const http::request & req) {
    auto p = caller(accounts_, req);
    if (!p || p->key_id) return p;
    const std::string_view secret = p->session;
    // A cookie is sent by the browser whoever made the page: a state change
    // must also show the token only the UI's own pages can read.
    if (changes_state(req.method) && !equal_ct(req.header(csrf_header), csrf_token(secret))) {
        return make_error(errc::forbidden, "missing or wrong CSRF token (X-Lokal-CSRF)");
    }
    return p;
}

http::admission gate::admit(const http::request & req, const std::string & pattern) {
    if (!opts_.enabled) return {};
    const need n = need_for(req.method, pattern);
    if (n == need::open) return {};
    auto p = identify(req);
    if (!p) {
        const error & e = p.err();
        if (e.code == errc::unauthorized) return {false, {}, refusal(req.path, 401, "unauthorized")};
        if (e.code == errc::forbidden) return {false, {}, refusal(req.path, 403, e.message)};
        return {false, {}, refusal(req.path, http::status_for(e.code), e.message)};
    }
    if (!allows(p->scopes, n)) {
        return {false, p->name,
                refusal(req.path, 403, "forbidden: this key lacks the " + std::string(need_name(n)) + " scope")};
    }
    // Counted per key (a user's keys are limited apart) and per user for web sessions.
    const std::string bucket = p->key_id ? "k" + std::to_string(p->key_id) : "u" + std::to_string(p->user_id);
    if (int wait = rate_.take(bucket); wait > 0) {
        http::response res = refusal(req.path, 429, "rate limit exceeded (LOKAL_RATE_LIMIT): try again later");
        res.headers.emplace_back("Retry-After", std::to_string(wait));
        return {false, p->name, std::move(res)};
    }
    return {true, p->name, {}};
}

}  // namespace lokal::auth
