// Which credential each route needs: the one table of route -> scope.
// Looked up with the method as sent and the pattern the route was
// registered with (http::server gives both), before the body is read.
//
// Scopes are what an API key carries; `admin` implies the others. A route
// not in the table needs `admin` (closed by default), so a route added
// without a row here can never be reached with a lesser key.
#pragma once

#include "core/result.h"

#include <string>
#include <string_view>
#include <vector>

namespace lokal::auth {

// What a route needs.
enum class need {
    open,       // no credential: health checks, the web UI's files, the login route
    signed_in,  // any valid key or session (who am I, log out, unknown paths)
    inference,  // generate, chat, embed, /v1, reading the model list
    models,     // pull, push, create, copy, delete, blobs
    admin,      // users, keys
};

// A set of scopes held by a key or session, as bits.
using scope_set = unsigned;
constexpr scope_set scope_inference = 1u << 0;
constexpr scope_set scope_models = 1u << 1;
constexpr scope_set scope_admin = 1u << 2;
constexpr scope_set all_scopes = scope_inference | scope_models | scope_admin;

struct rule {
    const char * method;   // "GET" also covers HEAD
    const char * pattern;  // as registered; a trailing '*' matches any rest
    need required;
};

// The scopes a role may hold: admins all, users inference and models.
scope_set role_scopes(std::string_view role);

// The table, in lookup order (exact rows before prefix rows).
const std::vector<rule> & route_table();

// The need for a request: method as sent (HEAD falls back to GET rows),
// pattern as registered. Unknown: admin.
need required(std::string_view method, std::string_view pattern);
// Whether a holder of `held` passes `n` (admin implies every scope).
bool allows(scope_set held, need n);

std::string_view need_name(need n);
// "inference,models" <-> bits; unknown names are an error.
result<scope_set> parse_scopes(std::string_view text);
std::string scopes_text(scope_set s);

}  // namespace lokal::auth
