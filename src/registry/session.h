// Talks to one registry on behalf of one pull or push: adds credentials,
// answers authentication challenges and follows redirects, deciding per hop
// what may be sent where.
//
// Rules (tested in registry_session_test.cpp through the pure helpers in
// url.h and auth.h):
// - Credentials (a bearer token or basic credentials) go only to the
//   registry's own origin: scheme, host and port. A redirect elsewhere (a
//   CDN, another port) is followed without them.
// - Redirects are followed for GET and HEAD only, at most 10 hops, never
//   from https down to http, never from a remote host to a loopback one.
// - On a 401 from the registry, a Bearer challenge is answered by asking its
//   realm for a token (with basic credentials from the auth file for the
//   realm's host, or the registry's when the realm is the registry itself);
//   a Basic challenge is answered with the registry's basic credentials.
//   Each request retries once.
//
// send() may be called from several threads at once (a download's parts);
// set_cancel() only while no request is in flight.
#pragma once

#include "registry/auth.h"
#include "registry/transport.h"
#include "registry/url.h"

#include <mutex>
#include <string>

namespace lokal::registry {

class session {
public:
    session(endpoint ep, credential_map creds, cancel_fn cancel);

    const endpoint & where() const { return ep_; }
    const cancel_fn & cancel() const { return cancel_; }
    // The cancel check changes hands: the request's while the handler runs,
    // the stream writer's once the answer streams.
    void set_cancel(cancel_fn c) { cancel_ = std::move(c); }

    // Sends req (its url must be on the registry or a redirect target).
    result<http_response> send(const http_request & req);

private:
    result<http_response> send_following(const http_request & req);
    status answer_challenge(const http_response & res, const cancel_fn & cancel);
    std::string authorization() const;

    endpoint ep_;
    url_parts origin_;
    credential_map creds_;
    cancel_fn cancel_;
    mutable std::mutex mu_;       // guards authorization_
    std::string authorization_;  // "Bearer ..." or "Basic ...", for the registry's origin only
};

// An error for a registry answer that was not what we wanted: 404 is
// not_found, 401 unauthorized, 403 forbidden, 429/5xx unavailable, others
// internal; the message names what was being done and the registry's own
// error message when it sent one ({"errors":[{"message":...}]}).
error registry_error(const http_response & res, const std::string & doing);

}  // namespace lokal::registry
