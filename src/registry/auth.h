// Registry credentials: WWW-Authenticate challenges, bearer tokens, and the
// basic credentials a private registry needs.
//
// Credentials come only from a Docker-shaped JSON file named by the
// LOKAL_REGISTRY_AUTH_FILE setting (never from a request or the command
// line):
//
//   {"auths": {"host:port": {"username": "u", "password": "p"}}}
//
// An entry may instead carry Docker's "auth": base64("user:password").
// Entries are keyed by the exact registry host (case-insensitive); an
// "https://" prefix or a trailing "/..." on the key is ignored, as Docker's
// own config writes keys that way.
#pragma once

#include "core/base64.h"
#include "core/json.h"
#include "core/result.h"

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace lokal::registry {

struct challenge {
    std::string scheme;  // lowercase: "bearer" or "basic"
    std::string realm;
    std::string service;
    std::string scope;
};

// Parses the first challenge of a WWW-Authenticate header:
//   Bearer realm="https://auth.example/token",service="registry",scope="repository:a/b:pull"
// Values may be quoted (with \" escapes) or bare tokens. invalid_request
// when the header has no scheme or a malformed parameter list.
result<challenge> parse_www_authenticate(std::string_view header);

// The token URL for a bearer challenge: realm?service=...&scope=...
// (values percent-encoded). invalid_request when the realm is not an
// absolute http(s) URL.
result<std::string> token_url(const challenge & c);

// The token from a token endpoint's JSON answer ("token" or "access_token").
result<std::string> parse_token_response(std::string_view body);

struct credentials {
    std::string username;
    std::string password;
};

using credential_map = std::map<std::string, credentials>;  // keyed by lowercase host[:port]

// Parses the auth file's content. Entries without usable credentials are
// skipped; a file that is not the expected shape is invalid_request.
result<credential_map> parse_auth_file(std::string_view text);

// Reads and parses the auth file; an empty path gives an empty map.
result<credential_map> load_auth_file(const std::string & path);

// Credentials for a registry host, if any.
std::optional<credentials> find_credentials(const credential_map & m, std::string_view host);

// "Basic base64(user:password)".
std::string basic_authorization(const credentials & c);

using lokal::base64_decode;  // core/base64.h
using lokal::base64_encode;

// Percent-encodes everything but RFC 3986 unreserved characters.
std::string percent_encode(std::string_view s);

}  // namespace lokal::registry
