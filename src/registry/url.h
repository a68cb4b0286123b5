// Where a model lives on a registry, as URLs, and the rules for following a
// registry's answers to other places (redirects, upload locations).
//
// A model name's host part is the registry: "registry.ollama.ai" (the
// default) or "127.0.0.1:5000". The host string comes from a request, so it
// is checked again here before it becomes part of a URL: letters, digits,
// '.', '-', '_' and one optional ":port"; no userinfo, path, query or
// whitespace can slip through.
#pragma once

#include "core/host.h"
#include "core/result.h"
#include "store/name.h"

#include <string>
#include <string_view>

namespace lokal::registry {

// The absolute URL split into what the redirect and credential rules need.
struct url_parts {
    std::string scheme;  // "http" or "https"
    std::string host;    // lowercase, without port
    int port = 0;        // explicit or the scheme's default
    std::string path;    // from the first '/', with the query; "/" when empty

    // scheme://host:port as used to compare origins.
    std::string origin() const;
};

// Parses an absolute http(s) URL; invalid_request for anything else
// (userinfo, other schemes, bad ports, spaces).
result<url_parts> parse_url(std::string_view url);

// Checks a registry host ("name" or "name:port").
status validate_host(std::string_view host);

struct endpoint {
    std::string scheme;  // "https", or "http" for an insecure request
    std::string host;    // "host[:port]" as in the model name
    std::string base() const { return scheme + "://" + host; }
};

// The registry for a model name. Plain http only when the request said
// insecure (Ollama's field); then every host is spoken to over http, as
// Ollama does.
result<endpoint> endpoint_for(const store::model_name & name, bool insecure);

// "<base>/v2/<ns>/<model>/manifests/<reference>" (reference: tag or digest).
std::string manifest_url(const endpoint & ep, const store::model_name & name, std::string_view reference);
// "<base>/v2/<ns>/<model>/blobs/<digest>".
std::string blob_url(const endpoint & ep, const store::model_name & name, std::string_view digest);
// "<base>/v2/<ns>/<model>/blobs/uploads/".
std::string upload_start_url(const endpoint & ep, const store::model_name & name);

// Resolves a Location header against the URL that answered: absolute
// http(s) URLs as they are, "/path" against the answering origin.
result<std::string> resolve_location(std::string_view base_url, std::string_view location);

// Appends "key=value" to a URL's query (value must already be URL-safe).
std::string add_query(std::string_view url, std::string_view key, std::string_view value);

// Whether credentials given for `from` may be sent to `to`: only to the very
// same origin (scheme, host and port). Anything else (a CDN, another port,
// a downgrade to http) gets the request without them.
bool may_send_credentials(const url_parts & from, const url_parts & to);

// Whether a redirect from `from` to `to` may be followed at all: never from
// https down to http, never from a remote host to a loopback one.
bool may_follow_redirect(const url_parts & from, const url_parts & to);

// Whether a request to `to`, a host a registry at `origin` pointed to (a
// redirect, an upload location, a token service), must not connect to this
// machine. Names cannot tell ("127.1", a DNS name resolving to 127.0.0.1),
// so the transport checks the address it connects to. The registry's own
// host may resolve anywhere (an /etc/hosts entry).
bool keep_off_loopback(const url_parts & origin, const url_parts & to);

}  // namespace lokal::registry
