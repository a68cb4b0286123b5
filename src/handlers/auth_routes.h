// Accounts over HTTP: /lokal/api/users, /lokal/api/keys (admin scope),
// /lokal/api/auth/{login,logout,me} (web sessions) and /lokal/api/routes,
// the route table with each route's need (what tests walk).
#pragma once

#include "auth/accounts.h"
#include "auth/gate.h"
#include "auth/limiter.h"
#include "chats/chats.h"
#include "handlers/routes.h"
#include "http/server.h"
#include "vault/keyring.h"

#include <chrono>

namespace lokal::handlers {

struct auth_context {
    auth::accounts & accounts;
    auth::gate & gate;
    http::server & srv;
    bool tls = false;  // session cookies get Secure
    // Failed logins per name and address: 5 in 5 minutes, then 429 until they pass.
    auth::failure_limiter logins{5, std::chrono::minutes(5)};
    chats::store * chats = nullptr;
    // Set with LOKAL_ENCRYPT_CHATS: sign-in unlocks the user's chat key into
    // it (and seals their plaintext chats); sign-out and password changes
    // take it out again.
    vault::keyring * chat_keys = nullptr;
};

// Account changes, logins and logouts are recorded in ctx's audit log.
void register_auth_routes(http::server & srv, auth_context & actx, context & ctx);

}  // namespace lokal::handlers
