#include "auth/policy.h"

namespace lokal::auth {

namespace {

bool pattern_matches(std::string_view row, std::string_view pattern) {
    if (!row.empty() && row.back() == '*') return pattern.substr(0, row.size() - 1) == row.substr(0, row.size() - 1);
    return row == pattern;
}

}  // namespace

const std::vector<rule> & route_table() {
    static const std::vector<rule> table = {
        // Open: liveness (Ollama's clients and load balancers), the login page.
        {"GET", "/", need::open},
        {"GET", "/api/version", need::open},
        {"POST", "/lokal/api/auth/login", need::open},
        // Any credential: who am I, log out.
        {"GET", "/lokal/api/auth/me", need::signed_in},
        {"POST", "/lokal/api/auth/logout", need::signed_in},
        // One's own password (the current one is required), by session or key.
        {"POST", "/lokal/api/auth/password", need::signed_in},
        // Inference, and reading what can be run.
        {"POST", "/api/generate", need::inference},
        {"POST", "/api/chat", need::inference},
        {"POST", "/api/embed", need::inference},
        {"POST", "/api/embeddings", need::inference},
        {"POST", "/api/tokenize", need::inference},
        {"POST", "/api/detokenize", need::inference},
        {"POST", "/api/rerank", need::inference},
        {"GET", "/api/tags", need::inference},
        {"POST", "/api/show", need::inference},
        {"GET", "/api/ps", need::inference},
        {"GET", "/metrics", need::inference},
        {"*", "/v1/*", need::inference},
        // The web UI's conversations (each user sees only their own).
        {"*", "/lokal/api/chats*", need::inference},
        {"GET", "/lokal/api/folders", need::inference},
        {"GET", "/lokal/api/export", need::inference},
        {"POST", "/lokal/api/import", need::inference},
        // Changing the model store.
        {"POST", "/api/pull", need::models},
        {"POST", "/api/push", need::models},
        {"POST", "/api/create", need::models},
        {"POST", "/api/copy", need::models},
        {"DELETE", "/api/delete", need::models},
        {"HEAD", "/api/blobs/:digest", need::models},
        {"POST", "/api/blobs/:digest", need::models},
        // One's own API keys (the handlers touch only the caller's keys).
        {"GET", "/lokal/api/auth/keys", need::signed_in},
        {"POST", "/lokal/api/auth/keys", need::signed_in},
        {"DELETE", "/lokal/api/auth/keys/:id", need::signed_in},
        // Accounts and the server's own configuration.
        {"*", "/lokal/api/users*", need::admin},
        {"*", "/lokal/api/keys*", need::admin},
        {"GET", "/lokal/api/routes", need::admin},
    };
    return table;
}

scope_set role_scopes(std::string_view role) {
    return role == "admin" ? all_scopes : scope_inference | scope_models;
}

need required(std::string_view method, std::string_view pattern) {
    for (int pass = 0; pass < 2; ++pass) {
        // HEAD is answered by GET handlers unless registered on its own.
        std::string_view m = pass == 0 ? method : (method == "HEAD" ? "GET" : "");
        if (m.empty()) break;
        for (const auto & r : route_table()) {
            if ((r.method == std::string_view("*") || r.method == m) && pattern_matches(r.pattern, pattern)) {
                return r.required;
            }
        }
    }
    return need::admin;
}

bool allows(scope_set held, need n) {
    if (held & scope_admin) return true;
    switch (n) {
        case need::open: return true;
        case need::signed_in: return true;  // holding any credential at all is checked by the caller
        case need::inference: return (held & scope_inference) != 0;
        case need::models: return (held & scope_models) != 0;
        case need::admin: return false;
    }
    return false;
}

std::string_view need_name(need n) {
    switch (n) {
        case need::open: return "public";
        case need::signed_in: return "signed-in";
        case need::inference: return "inference";
        case need::models: return "models";
        case need::admin: return "admin";
    }
    return "admin";
}

result<scope_set> parse_scopes(std::string_view text) {
    scope_set out = 0;
    while (!text.empty()) {
        size_t comma = text.find(',');
        std::string_view word = text.substr(0, comma);
        while (!word.empty() && word.front() == ' ') word.remove_prefix(1);
        while (!word.empty() && word.back() == ' ') word.remove_suffix(1);
        if (word == "inference") out |= scope_inference;
        else if (word == "models") out |= scope_models;
        else if (word == "admin") out |= scope_admin;
        else if (!word.empty()) {
            return make_error(errc::invalid_request,
                              "unknown scope \"" + std::string(word) + "\" (expected inference, models or admin)");
        }
        if (comma == std::string_view::npos) break;
        text.remove_prefix(comma + 1);
    }
    if (out == 0) return make_error(errc::invalid_request, "a key needs at least one scope: inference, models, admin");
    return out;
}

std::string scopes_text(scope_set s) {
    std::string out;
    auto add = [&](scope_set bit, const char * name) {
        if (!(s & bit)) return;
        if (!out.empty()) out += ',';
        out += name;
    };
    add(scope_inference, "inference");
    add(scope_models, "models");
    add(scope_admin, "admin");
    return out;
}

}  // namespace lokal::auth
