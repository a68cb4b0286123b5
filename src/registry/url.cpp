#include "registry/url.h"

#include <algorithm>
#include <cctype>

namespace lokal::registry {

namespace {

error bad(std::string msg) { return make_error(errc::invalid_request, std::move(msg)); }

bool is_host_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

// "1".."65535" only: no sign, no spaces, no leading junk.
int parse_port(std::string_view s) {
    if (s.empty() || s.size() > 5) return -1;
    int port = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return -1;
        port = port * 10 + (c - '0');
    }
    return port >= 1 && port <= 65535 ? port : -1;
}

// Splits "host[:port]"; port 0 when absent, -1 when malformed.
std::pair<std::string_view, int> split_host_port(std::string_view hp) {
    auto colon = hp.find(':');
    if (colon == std::string_view::npos) return {hp, 0};
    return {hp.substr(0, colon), parse_port(hp.substr(colon + 1))};
}

}  // namespace

std::string url_parts::origin() const { return scheme + "://" + host + ":" + std::to_string(port); }

status validate_host(std::string_view host) {
    if (host.empty() || host.size() > 350) return bad("invalid registry host");
    auto [name, port] = split_host_port(host);
    if (name.empty() || port < 0) return bad("invalid registry host \"" + std::string(host) + "\"");
    if (!std::all_of(name.begin(), name.end(), is_host_char) || name.front() == '.' || name.front() == '-') {
        return bad("invalid registry host \"" + std::string(host) + "\"");
    }
    return {};
}

result<url_parts> parse_url(std::string_view url) {
    url_parts u;
    if (url.starts_with("https://")) u.scheme = "https";
    else if (url.starts_with("http://")) u.scheme = "http";
    else return bad("unsupported URL \"" + std::string(url.substr(0, 100)) + "\"");
    for (char c : url) {
        if (static_cast<unsigned char>(c) <= ' ' || c == '\\' || static_cast<unsigned char>(c) >= 0x7f) {
            return bad("invalid URL");
        }
    }
    std::string_view rest = url.substr(u.scheme.size() + 3);
    size_t end = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, end);
    if (authority.find('@') != std::string_view::npos) return bad("URLs with credentials are refused");
    if (auto st = validate_host(authority); !st) return st.err();
    auto [name, port] = split_host_port(authority);
    u.host = lower(name);
    u.port = port ? port : (u.scheme == "https" ? 443 : 80);
    u.path = end == std::string_view::npos ? "/" : std::string(rest.substr(end));
    if (auto hash = u.path.find('#'); hash != std::string::npos) u.path.resize(hash);
    if (u.path.empty() || u.path.front() != '/') u.path.insert(0, "/");
    return u;
}

result<endpoint> endpoint_for(const store::model_name & name, bool insecure) {
    if (auto st = validate_host(name.host); !st) return st.err();
    return endpoint{insecure ? "http" : "https", name.host};
}

std::string manifest_url(const endpoint & ep, const store::model_name & name, std::string_view reference) {
    return ep.base() + "/v2/" + name.ns + "/" + name.model + "/manifests/" + std::string(reference);
}

std::string blob_url(const endpoint & ep, const store::model_name & name, std::string_view digest) {
    return ep.base() + "/v2/" + name.ns + "/" + name.model + "/blobs/" + std::string(digest);
}

std::string upload_start_url(const endpoint & ep, const store::model_name & name) {
    return ep.base() + "/v2/" + name.ns + "/" + name.model + "/blobs/uploads/";
}

result<std::string> resolve_location(std::string_view base_url, std::string_view location) {
    if (location.empty()) return bad("the registry sent an empty Location");
    if (location.starts_with("http://") || location.starts_with("https://")) {
        auto u = parse_url(location);
        if (!u) return u.err();
        return std::string(location);
    }
    if (location.front() != '/' || location.starts_with("//")) {
        return bad("unsupported Location \"" + std::string(location.substr(0, 100)) + "\"");
    }
    auto base = parse_url(base_url);
    if (!base) return base.err();
    std::string out = base->scheme + "://" + base->host;
    bool default_port = (base->scheme == "https" && base->port == 443) || (base->scheme == "http" && base->port == 80);
    if (!default_port) out += ":" + std::to_string(base->port);
    out += location;
    auto check = parse_url(out);
    if (!check) return check.err();
    return out;
}

std::string add_query(std::string_view url, std::string_view key, std::string_view value) {
    std::string out(url);
    out += url.find('?') == std::string_view::npos ? '?' : '&';
    out += key;
    out += '=';
    out += value;
    return out;
}

bool may_send_credentials(const url_parts & from, const url_parts & to) { return from.origin() == to.origin(); }

bool may_follow_redirect(const url_parts & from, const url_parts & to) {
    if (from.scheme == "https" && to.scheme == "http") return false;
    // A remote registry must not point us at services on this machine (lokal's own API among them).
    return is_loopback_host(from.host) || !is_loopback_host(to.host);
}

bool keep_off_loopback(const url_parts & origin, const url_parts & to) {
    return !is_loopback_host(origin.host) && to.host != origin.host;
}

}  // namespace lokal::registry
