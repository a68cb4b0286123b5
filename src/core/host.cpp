#include "core/host.h"

#include <cctype>

#include <arpa/inet.h>
#include <netinet/in.h>

namespace lokal {

std::string host_of(std::string_view host_header) {
    std::string_view h = host_header;
    if (!h.empty() && h.front() == '[') {
        auto close = h.find(']');
        h = close == std::string_view::npos ? h.substr(1) : h.substr(1, close - 1);
    } else if (auto colon = h.rfind(':'); colon != std::string_view::npos && h.find(':') == colon) {
        h = h.substr(0, colon);  // one colon: host:port; more: a bare IPv6 literal
    }
    std::string out(h);
    for (auto & c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!out.empty() && out.back() == '.') out.pop_back();
    return out;
}

std::string canonical_ip(std::string_view host) {
    std::string h(host);
    unsigned char buf[sizeof(in6_addr)];
    char out[INET6_ADDRSTRLEN];
    if (inet_pton(AF_INET, h.c_str(), buf) == 1) return inet_ntop(AF_INET, buf, out, sizeof out) ? out : "";
    if (inet_pton(AF_INET6, h.c_str(), buf) == 1) return inet_ntop(AF_INET6, buf, out, sizeof out) ? out : "";
    return {};
}

bool is_loopback_host(std::string_view host) {
    std::string h = host_of(host);
    if (h == "localhost" || (h.size() > 10 && h.ends_with(".localhost"))) return true;
    std::string ip = canonical_ip(h);
    if (ip.empty()) return false;
    return ip.starts_with("127.") || ip == "::1" || ip.starts_with("::ffff:127.");
}

}  // namespace lokal
