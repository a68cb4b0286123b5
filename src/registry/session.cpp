#include "registry/session.h"

#include "core/json.h"

namespace lokal::registry {

namespace {

constexpr int max_redirects = 10;

bool is_redirect(long status) {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

}  // namespace

session::session(endpoint ep, credential_map creds, cancel_fn cancel)
    : ep_(std::move(ep)), creds_(std::move(creds)), cancel_(std::move(cancel)) {
    auto o = parse_url(ep_.base());
    if (o) origin_ = *o;
}

result<http_response> session::send(const http_request & req) {
    auto res = send_following(req);
    if (!res || res->status != 401) return res;
    // One answer to the challenge, then one retry; a second 401 is final.
    if (auto st = answer_challenge(*res, req.cancel ? req.cancel : cancel_); !st) return st.err();
    return send_following(req);
}

std::string session::authorization() const {
    std::lock_guard lock(mu_);
    return authorization_;
}

result<http_response> session::send_following(const http_request & req) {
    http_request hop = req;
    for (int redirects = 0;; ++redirects) {
        auto where = parse_url(hop.url);
        if (!where) return where.err();
        hop.refuse_loopback = keep_off_loopback(origin_, *where);
        hop.headers = req.headers;
        std::string authorization = this->authorization();
        if (!authorization.empty() && may_send_credentials(origin_, *where)) {
            hop.headers.push_back("Authorization: " + authorization);
        }
        auto res = perform(hop, req.cancel ? req.cancel : cancel_);
        if (!res) return res;
        bool follow = is_redirect(res->status) && (req.method == "GET" || req.method == "HEAD");
        if (!follow) return res;
        if (redirects >= max_redirects) return make_error(errc::unavailable, "too many redirects from the registry");
        auto next = resolve_location(hop.url, res->header("location"));
        if (!next) return next.err();
        auto to = parse_url(*next);
        if (!to) return to.err();
        if (!may_follow_redirect(*where, *to)) {
            return make_error(errc::forbidden, "refusing a redirect to " + to->origin() + " (https to http, or to this machine)");
        }
        hop.url = *next;
    }
}

status session::answer_challenge(const http_response & res, const cancel_fn & cancel) {
    std::string header = res.header("www-authenticate");
    if (header.empty()) return registry_error(res, "authenticate");
    auto ch = parse_www_authenticate(header);
    if (!ch) return make_error(errc::unauthorized, "unauthorized: " + ch.err().message);
    auto own = find_credentials(creds_, ep_.host);
    if (ch->scheme == "basic") {
        if (!own) return make_error(errc::unauthorized, "unauthorized: the registry " + ep_.host + " needs credentials");
        std::lock_guard lock(mu_);
        authorization_ = basic_authorization(*own);
        return {};
    }
    if (ch->scheme != "bearer") return make_error(errc::unauthorized, "unauthorized: unsupported challenge " + ch->scheme);
    auto url = token_url(*ch);
    if (!url) return url.err();
    auto realm = parse_url(*url);
    if (!realm) return realm.err();
    if (realm->scheme == "http" && ep_.scheme == "https") {
        return make_error(errc::forbidden, "refusing a token service over plain http for an https registry");
    }
    http_request token_req;
    token_req.url = *url;
    token_req.refuse_loopback = keep_off_loopback(origin_, *realm);
    // Credentials go to the realm only when they were given for it, or when
    // the realm is the registry's own origin.
    std::optional<credentials> creds = may_send_credentials(origin_, *realm) ? own : std::nullopt;
    if (!creds) {
        std::string authority = realm->host + ":" + std::to_string(realm->port);
        creds = find_credentials(creds_, authority);
        if (!creds) creds = find_credentials(creds_, realm->host);
    }
    if (creds) token_req.headers.push_back("Authorization: " + basic_authorization(*creds));
    auto token_res = perform(token_req, cancel);
    if (!token_res) return token_res.err();
    if (token_res->status != 200) return registry_error(*token_res, "get a registry token");
    auto token = parse_token_response(token_res->body);
    if (!token) return token.err();
    std::lock_guard lock(mu_);
    authorization_ = "Bearer " + *token;
    return {};
}

error registry_error(const http_response & res, const std::string & doing) {
    errc code = errc::internal;
    std::string reason = "unexpected answer";
    if (res.status == 404) code = errc::not_found, reason = "not found";
    else if (res.status == 401) code = errc::unauthorized, reason = "unauthorized";
    else if (res.status == 403) code = errc::forbidden, reason = "access denied";
    else if (res.status == 429) code = errc::unavailable, reason = "too many requests";
    else if (res.status >= 500) code = errc::unavailable, reason = "registry unavailable";
    std::string detail;
    json j = json::parse(res.body, nullptr, false);
    if (j.is_object() && j.contains("errors") && j["errors"].is_array() && !j["errors"].empty()) {
        const json & e = j["errors"][0];
        if (e.is_object() && e.contains("message") && e["message"].is_string()) detail = e["message"].get<std::string>();
    }
    // The CLI recognises "unauthorized" and "access denied" (Ollama's words) to explain push refusals.
    std::string msg = doing + ": " + reason + " (HTTP " + std::to_string(res.status);
    if (!detail.empty()) msg += ": " + detail.substr(0, 300);
    return make_error(code, msg + ")");
}

}  // namespace lokal::registry
