// Host names and IP literals, as the server's request guard and the
// registry client both judge them.
#pragma once

#include <string>
#include <string_view>

namespace lokal {

// "host:port", "[v6]:port", "host" -> lower-case host without port or trailing dot.
std::string host_of(std::string_view host_header);

// The canonical text of an IP literal (inet_ntop's), or empty when `host`
// is not one: "::ffff:127.0.0.1" and "0:0::1" compare equal to what they mean.
std::string canonical_ip(std::string_view host);

// localhost (and *.localhost), 127.0.0.0/8, ::1 and IPv4-mapped 127.x, with
// or without a port. By name only: "127.1" or a DNS name resolving to
// 127.0.0.1 is not recognised here (the registry client checks the address
// it connects to as well).
bool is_loopback_host(std::string_view host);

}  // namespace lokal
