#include "http/guard.h"

#include <algorithm>
#include <cctype>

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>

namespace lokal::http {

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto & c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// '*' matches any run of characters (possibly empty); everything else is
// compared case-insensitively.
bool glob_match(std::string_view pattern, std::string_view text) {
    size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
    auto eq = [](char a, char b) {
        return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
    };
    while (t < text.size()) {
        if (p < pattern.size() && pattern[p] == '*') {
            star = p++;
            mark = t;
        } else if (p < pattern.size() && eq(pattern[p], text[t])) {
            ++p;
            ++t;
        } else if (star != std::string_view::npos) {
            p = star + 1;
            t = ++mark;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == '*') ++p;
    return p == pattern.size();
}

std::vector<std::string> interface_addresses() {
    std::vector<std::string> out;
    ifaddrs * list = nullptr;
    if (getifaddrs(&list) != 0) return out;
    for (ifaddrs * a = list; a; a = a->ifa_next) {
        if (!a->ifa_addr) continue;
        char text[INET6_ADDRSTRLEN];
        if (a->ifa_addr->sa_family == AF_INET) {
            auto * in = reinterpret_cast<sockaddr_in *>(a->ifa_addr);
            if (inet_ntop(AF_INET, &in->sin_addr, text, sizeof text)) out.emplace_back(text);
        } else if (a->ifa_addr->sa_family == AF_INET6) {
            auto * in6 = reinterpret_cast<sockaddr_in6 *>(a->ifa_addr);
            if (inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text)) out.emplace_back(text);
        }
    }
    freeifaddrs(list);
    return out;
}

// Content types a browser may send cross-origin without a CORS preflight.
bool is_form_type(std::string_view content_type, std::string_view which) {
    std::string ct = lower(content_type.substr(0, content_type.find(';')));
    while (!ct.empty() && std::isspace(static_cast<unsigned char>(ct.back()))) ct.pop_back();
    return ct == which;
}

bool state_changing(std::string_view method) {
    return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

}  // namespace

bool is_unspecified_host(std::string_view host) {
    std::string ip = canonical_ip(host_of(host));
    return host.empty() || ip == "0.0.0.0" || ip == "::";
}

request_guard::request_guard(guard_options opts) : opts_(std::move(opts)) {
    if (is_unspecified_host(opts_.bound_host)) local_addresses_ = interface_addresses();
}

bool request_guard::host_allowed(std::string_view host_header) const {
    if (host_header.empty()) return true;  // HTTP/1.0 without Host: not a browser
    std::string h = host_of(host_header);
    if (is_loopback_host(h)) return true;
    std::string ip = canonical_ip(h);
    if (!ip.empty()) {
        if (ip == canonical_ip(host_of(opts_.bound_host))) return true;
        if (std::find(local_addresses_.begin(), local_addresses_.end(), ip) != local_addresses_.end()) return true;
    } else if (h == host_of(opts_.bound_host)) {
        return true;
    }
    return std::any_of(opts_.allowed_hosts.begin(), opts_.allowed_hosts.end(),
                       [&](const std::string & a) { return glob_match(host_of(a), h); });
}

bool request_guard::origin_allowed(std::string_view origin, std::string_view host_header) const {
    if (origin.empty()) return true;
    if (!host_header.empty()) {
        std::string own = std::string(opts_.tls ? "https://" : "http://") + lower(host_header);
        if (lower(origin) == own) return true;
    }
    return std::any_of(opts_.origins.begin(), opts_.origins.end(),
                       [&](const std::string & o) { return glob_match(o, origin); });
}

std::optional<refusal> request_guard::check(const request_head & head) const {
    if (!host_allowed(head.host)) {
        return refusal{403, "host \"" + host_of(head.host) +
                                "\" is not allowed (DNS rebinding protection); add it to LOKAL_ALLOWED_HOSTS to serve it"};
    }
    if (!origin_allowed(head.origin, head.host)) {
        return refusal{403, "origin \"" + std::string(head.origin) +
                                "\" is not allowed; add it to LOKAL_ORIGINS to let web pages from it call this server"};
    }
    if (head.preflight || !state_changing(head.method)) return std::nullopt;
    if (head.from_browser &&
        (is_form_type(head.content_type, "text/plain") || is_form_type(head.content_type, "multipart/form-data") ||
         is_form_type(head.content_type, "application/x-www-form-urlencoded"))) {
        return refusal{415, "unsupported Content-Type \"" + std::string(head.content_type) +
                                "\": send the request body as application/json"};
    }
    return std::nullopt;
}

std::vector<std::pair<std::string, std::string>> request_guard::cors_headers(std::string_view origin,
                                                                             std::string_view host_header,
                                                                             bool preflight,
                                                                             std::string_view requested_headers) const {
    std::vector<std::pair<std::string, std::string>> out;
    if (origin.empty() || !origin_allowed(origin, host_header)) return out;
    out.emplace_back("Access-Control-Allow-Origin", std::string(origin));
    out.emplace_back("Vary", "Origin");
    if (opts_.cors_credentials) out.emplace_back("Access-Control-Allow-Credentials", "true");
    if (preflight) {
        out.emplace_back("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS");
        // The origin is trusted, so whatever headers it asks to send may come.
        out.emplace_back("Access-Control-Allow-Headers",
                         requested_headers.empty() ? std::string("Authorization, Content-Type")
                                                   : std::string(requested_headers));
        out.emplace_back("Access-Control-Max-Age", "43200");
    }
    return out;
}

status check_exposure(std::string_view host, const exposure & e) {
    if (is_loopback_host(host) || e.auth_configured || e.insecure_no_auth) return {};
    std::string shown = host.empty() ? std::string("all addresses") : std::string(host);
    return make_error(errc::forbidden,
                      "refusing to listen on " + shown +
                          ": the API (model pull, create and delete included) would be open to the network without "
                          "authentication. Turn authentication on with LOKAL_AUTH=1 (create the first admin with "
                          "`lokal user add --admin NAME`), listen on a loopback address (LOKAL_HOST=127.0.0.1:11434) "
                          "behind an authenticating reverse proxy, or set LOKAL_INSECURE_NO_AUTH=1 to serve the network "
                          "without authentication anyway");
}

}  // namespace lokal::http
