#include "handlers/auth_routes.h"

#include "audit/audit.h"
#include "auth/policy.h"
#include "core/clock.h"
#include "handlers/audit_routes.h"

#include <charconv>

namespace lokal::handlers {

namespace {

using req_t = const http::request &;
using res_t = http::response &;

// A string field of a JSON body; missing is an error when required.
result<std::string> field(const json & body, const char * name, bool required = true) {
    auto it = body.find(name);
    if (it == body.end() || it->is_null()) {
        if (!required) return std::string();
        return make_error(errc::invalid_request, std::string("missing \"") + name + "\"");
    }
    if (!it->is_string()) return make_error(errc::invalid_request, std::string("\"") + name + "\" must be a string");
    return it->get<std::string>();
}

// Scopes as ["inference", "models"] or "inference,models".
result<auth::scope_set> scopes_field(const json & body) {
    auto it = body.find("scopes");
    if (it == body.end() || it->is_null()) return auth::scope_inference;
    if (it->is_string()) return auth::parse_scopes(it->get<std::string>());
    if (!it->is_array()) return make_error(errc::invalid_request, "\"scopes\" must be an array of strings");
    std::string joined;
    for (const auto & s : *it) {
        if (!s.is_string()) return make_error(errc::invalid_request, "\"scopes\" must be an array of strings");
        joined += s.get<std::string>() + ",";
    }
    return auth::parse_scopes(joined);
}

std::string param(req_t req, const char * name) {
    auto it = req.params.find(name);
    return it == req.params.end() ? std::string() : it->second;
}

void add_user(auth_context & ctx, req_t req, res_t res) {
    http::reply(
        res,
        [&]() -> result<json> {
            auto body = http::parse_json_body(req);
            if (!body) return body.err();
            auto name = field(*body, "name");
            if (!name) return name.err();
            auto password = field(*body, "password");
            if (!password) return password.err();
            auto role = field(*body, "role", false);
            if (!role) return role.err();
            auto u = ctx.accounts.add_user(*name, *password, role->empty() ? "user" : *role);
            if (!u) return u.err();
            return auth::to_json(*u);
        },
        201);
}

void list_users(auth_context & ctx, res_t res) {
    http::reply(res, [&]() -> result<json> {
        auto users = ctx.accounts.list_users();
        if (!users) return users.err();
        json arr = json::array();
        for (const auto & u : *users) arr.push_back(auth::to_json(u));
        return json{{"users", std::move(arr)}};
    });
}

// Body: {"password", "current_password"?, "discard_encrypted_chats"?}. With
// the current password the user's encrypted chats stay readable; without it
// they cannot be recovered (auth::password_change).
result<json> change_password(auth_context & ctx, const std::string & name, const json & body, bool need_current) {
    auto password = field(body, "password");
    if (!password) return password.err();
    auto current = field(body, "current_password", false);
    if (!current) return current.err();
    if (need_current && current->empty()) return make_error(errc::invalid_request, "missing \"current_password\"");
    auto discard = body.find("discard_encrypted_chats");
    if (discard != body.end() && !discard->is_boolean()) {
        return make_error(errc::invalid_request, "\"discard_encrypted_chats\" must be true or false");
    }
    auth::password_change how;
    if (!current->empty()) how.current = *current;
    how.discard_chats = discard != body.end() && discard->get<bool>();
    auto user = ctx.accounts.find_user(name);
    if (!user) return user.err();
    auto discarded = ctx.accounts.set_password(name, *password, how);
    if (!discarded) return discarded.err();
    // Every session of the user ended with the old password; so do their keys.
    if (ctx.chat_keys) ctx.chat_keys->drop_user(user->id);
    json out = json::object();
    if (*discarded > 0) out["discarded_chats"] = *discarded;
    return out;
}

void set_password(auth_context & ctx, req_t req, res_t res) {
    http::reply(res, [&]() -> result<json> {
        auto body = http::parse_json_body(req);
        if (!body) return body.err();
        return change_password(ctx, param(req, "name"), *body, false);
    });
}

void too_many(res_t res, int wait);

// Wrong current passwords count like failed sign-ins (same lockout), so a
// stolen session or key cannot guess the password here either.
void own_password(auth_context & ctx, req_t req, res_t res) {
    const std::string attempt = req.principal + '\n' + req.remote_addr;
    if (int wait = ctx.logins.retry_after(attempt); wait > 0) return too_many(res, wait);
    http::reply(res, [&]() -> result<json> {
        if (req.principal.empty()) {
            return make_error(errc::invalid_request, "authentication is off (LOKAL_AUTH): there is no user to change");
        }
        auto body = http::parse_json_body(req);
        if (!body) return body.err();
        if (body->contains("discard_encrypted_chats")) {
            return make_error(errc::invalid_request, "\"discard_encrypted_chats\" is for admin resets only");
        }
        auto out = change_password(ctx, req.principal, *body, true);
        if (!out && out.err().code == errc::unauthorized) ctx.logins.failed(attempt);
        return out;
    });
}

void remove_user(auth_context & ctx, req_t req, res_t res) {
    http::reply(res, [&]() -> result<json> {
        auto user = ctx.accounts.find_user(param(req, "name"));
        if (!user) return user.err();
        if (auto st = ctx.accounts.remove_user(user->name); !st) return st.err();
        if (ctx.chat_keys) ctx.chat_keys->drop_user(user->id);  // their chats are gone, and so are their keys
        return json::object();
    });
}

// The key id of a `:id` route parameter.
result<int64_t> key_id_param(req_t req) {
    const std::string v = param(req, "id");
    int64_t id = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), id);
    if (v.empty() || ec != std::errc() || p != v.data() + v.size()) {
        return make_error(errc::invalid_request, "invalid key id \"" + v + "\"");
    }
    return id;
}

void create_key(auth_context & ctx, req_t req, res_t res) {
    http::reply(
        res,
        [&]() -> result<json> {
            auto body = http::parse_json_body(req, true);
            if (!body) return body.err();
            auto user = field(*body, "user", false);
            if (!user) return user.err();
            if (user->empty()) *user = req.principal;  // one's own key
            if (user->empty()) return make_error(errc::invalid_request, "missing \"user\"");
            auto label = field(*body, "name", false);
            if (!label) return label.err();
            auto scopes = scopes_field(*body);
            if (!scopes) return scopes.err();
            auto k = ctx.accounts.create_key(*user, *label, *scopes);
            if (!k) return k.err();
            json out = auth::to_json(k->info);
            out["key"] = k->secret;
            return out;
        },
        201);
}

void list_keys(auth_context & ctx, req_t req, res_t res) {
    http::reply(res, [&]() -> result<json> {
        std::optional<std::string> user;
        if (auto it = req.query.find("user"); it != req.query.end() && !it->second.empty()) user = it->second;
        auto keys = ctx.accounts.list_keys(user);
        if (!keys) return keys.err();
        json arr = json::array();
        for (const auto & k : *keys) arr.push_back(auth::to_json(k));
        return json{{"keys", std::move(arr)}};
    });
}

void revoke_key(auth_context & ctx, req_t req, res_t res) {
    http::reply(res, [&]() -> result<json> {
        auto id = key_id_param(req);
        if (!id) return id.err();
        if (auto st = ctx.accounts.revoke_key(*id, std::nullopt); !st) return st.err();
        return json::object();
    });
}

// /lokal/api/auth/keys: the caller's own keys, whatever their role; a key
// made here holds at most what the caller may grant (auth::own_key_scopes).
// With authentication off there is no caller to own a key.
result<auth::principal> key_owner(auth_context & ctx, req_t req) {
    if (req.principal.empty()) {
        return make_error(errc::invalid_request, "authentication is off (LOKAL_AUTH): there is no user to own keys");
    }
    return auth::caller(ctx.accounts, req);
}

void own_keys(auth_context & ctx, req_t req, res_t res) {
    http::reply(res, [&]() -> result<json> {
        auto p = key_owner(ctx, req);
        if (!p) return p.err();
        auto keys = ctx.accounts.list_keys(p->name);
        if (!keys) return keys.err();
        json arr = json::array();
        for (const auto & k : *keys) arr.push_back(auth::to_json(k));
        return json{{"keys", std::move(arr)}};
    });
}

void create_own_key(auth_context & ctx, req_t req, res_t res) {
    http::reply(
        res,
        [&]() -> result<json> {
            auto p = key_owner(ctx, req);
            if (!p) return p.err();
            auto body = http::parse_json_body(req, true);
            if (!body) return body.err();
            auto user = field(*body, "user", false);
            if (!user) return user.err();
            if (!user->empty() && *user != p->name) {
                return make_error(errc::forbidden, "forbidden: keys for other users are made through /lokal/api/keys (admin)");
            }
            auto label = field(*body, "name", false);
            if (!label) return label.err();
            std::optional<auth::scope_set> asked;
            if (auto it = body->find("scopes"); it != body->end() && !it->is_null()) {
                auto bits = scopes_field(*body);
                if (!bits) return bits.err();
                asked = *bits;
            }
            auto scopes = auth::own_key_scopes(*p, asked);
            if (!scopes) return scopes.err();
            auto k = ctx.accounts.create_key(p->name, *label, *scopes);
            if (!k) return k.err();
            json out = auth::to_json(k->info);
            out["key"] = k->secret;
            return out;
        },
        201);
}

void revoke_own_key(auth_context & ctx, req_t req, res_t res) {
    http::reply(res, [&]() -> result<json> {
        auto p = key_owner(ctx, req);
        if (!p) return p.err();
        auto id = key_id_param(req);
        if (!id) return id.err();
        // Another user's key is "not found", as if it did not exist.
        if (auto st = ctx.accounts.revoke_key(*id, p->name); !st) return st.err();
        return json::object();
    });
}

// Web sessions last a working day; signing in again is cheap.
constexpr int64_t session_ttl_ms = 12ll * 3600 * 1000;

std::string session_cookie_header(const auth_context & ctx, const std::string & value, int64_t max_age_s) {
    return std::string(auth::session_cookie) + "=" + value + "; Path=/; Max-Age=" + std::to_string(max_age_s) +
           "; HttpOnly; SameSite=Strict" + (ctx.tls ? "; Secure" : "");
}

void too_many(res_t res, int wait) {
    http::set_json(res, json{{"error", "too many failed logins: try again in " + std::to_string(wait) + " seconds"}}, 429);
    res.headers.emplace_back("Retry-After", std::to_string(wait));
}

// LOKAL_ENCRYPT_CHATS: the password unwraps (or, the first time, makes)
// the user's chat key for this session, and chats stored in plaintext
// before are sealed now, in one transaction (audited, without content).
status unlock_chats(auth_context & a, context & ctx, req_t req, const auth::user_info & u, const std::string & password,
                    const std::string & secret) {
    auto k = a.accounts.unlock_chat_key(u.id, password, true);
    if (!k) return k.err();
    a.chat_keys->put(secret, u.id, unix_ms() + session_ttl_ms, *k);
    auto sealed = a.chats->seal_existing(chats::owner{u.id, *k});
    if (!sealed) return sealed.err();
    if (*sealed > 0) {
        return ctx.audit.record(
            audit::event{u.name, req.remote_addr, "chats_encrypt", std::to_string(*sealed) + " chats", 200, ""});
    }
    return {};
}

void login(auth_context & ctx, context & app, req_t req, res_t res) {
    auto body = http::parse_json_body(req);
    if (!body) return http::set_error(res, body.err());
    auto name = field(*body, "name");
    if (!name) return http::set_error(res, name.err());
    auto password = field(*body, "password");
    if (!password) return http::set_error(res, password.err());
    const std::string attempt = *name + '\n' + req.remote_addr;
    if (int wait = ctx.logins.retry_after(attempt); wait > 0) return too_many(res, wait);
    auto secret = ctx.accounts.login(*name, *password, session_ttl_ms);
    if (!secret) {
        if (secret.err().code == errc::unauthorized) ctx.logins.failed(attempt);
        return http::set_error(res, secret.err());
    }
    ctx.logins.succeeded(attempt);
    auto user = ctx.accounts.find_user(*name);
    if (!user) return http::set_error(res, user.err());
    if (ctx.chat_keys && ctx.chats) {
        if (auto st = unlock_chats(ctx, app, req, *user, *password, *secret); !st) {
            (void)ctx.accounts.logout(*secret);
            ctx.chat_keys->drop(*secret);
            return http::set_error(res, st.err());
        }
    }
    res.headers.emplace_back("Set-Cookie", session_cookie_header(ctx, *secret, session_ttl_ms / 1000));
    res.headers.emplace_back("Cache-Control", "no-store");
    http::set_json(res, json{{"name", user->name}, {"role", user->role}, {"csrf_token", auth::csrf_token(*secret)}});
}

void logout(auth_context & ctx, req_t req, res_t res) {
    auth::credential c = auth::credential_of(req);
    if (c.from_cookie && !c.secret.empty()) {
        if (auto st = ctx.accounts.logout(c.secret); !st) return http::set_error(res, st.err());
        if (ctx.chat_keys) ctx.chat_keys->drop(c.secret);  // the key's bytes are wiped with its last user
    }
    res.headers.emplace_back("Set-Cookie", session_cookie_header(ctx, "", 0));
    http::set_json(res, json::object());
}

// Who the caller is; {"auth": false} while authentication is off. The web UI
// asks this first: a 401 means "show the login screen".
void me(auth_context & ctx, req_t req, res_t res) {
    res.headers.emplace_back("Cache-Control", "no-store");
    if (req.principal.empty()) return http::set_json(res, json{{"auth", false}});
    auto user = ctx.accounts.find_user(req.principal);
    if (!user) return http::set_error(res, make_error(errc::unauthorized, "unauthorized"));
    json out{{"auth", true}, {"name", user->name}, {"role", user->role}};
    auth::credential c = auth::credential_of(req);
    // A session whose chat key is not unlocked here (the server restarted,
    // or encryption was turned on since) signs in again: the UI's answer to 401.
    if (c.from_cookie && ctx.chat_keys && !ctx.chat_keys->get(c.secret, user->id)) {
        return http::set_error(res, make_error(errc::unauthorized, chats::locked_message));
    }
    if (c.from_cookie) out["csrf_token"] = auth::csrf_token(c.secret);
    http::set_json(res, out);
}

void list_routes(auth_context & ctx, res_t res) {
    json arr = json::array();
    for (const auto & r : ctx.srv.routes()) {
        arr.push_back(json{{"method", r.method},
                           {"pattern", r.pattern},
                           {"need", std::string(auth::need_name(ctx.gate.need_for(r.method, r.pattern)))}});
    }
    http::set_json(res, json{{"routes", std::move(arr)}});
}

}  // namespace

void register_auth_routes(http::server & srv, auth_context & actx, context & ctx) {
    auto & a = actx;
    srv.route("GET", "/lokal/api/users", [&a](req_t, res_t r) { list_users(a, r); });
    srv.route("POST", "/lokal/api/users", audited(ctx, "user_add", [&a](req_t q, res_t r) { add_user(a, q, r); }));
    srv.route("DELETE", "/lokal/api/users/:name",
              audited(ctx, "user_remove", [&a](req_t q, res_t r) { remove_user(a, q, r); }));
    srv.route("POST", "/lokal/api/users/:name/password",
              audited(ctx, "user_password", [&a](req_t q, res_t r) { set_password(a, q, r); }));
    srv.route("GET", "/lokal/api/keys", [&a](req_t q, res_t r) { list_keys(a, q, r); });
    srv.route("POST", "/lokal/api/keys", audited(ctx, "key_create", [&a](req_t q, res_t r) { create_key(a, q, r); }));
    srv.route("DELETE", "/lokal/api/keys/:id",
              audited(ctx, "key_revoke", [&a](req_t q, res_t r) { revoke_key(a, q, r); }));
    srv.route("GET", "/lokal/api/auth/keys", [&a](req_t q, res_t r) { own_keys(a, q, r); });
    srv.route("POST", "/lokal/api/auth/keys",
              audited(ctx, "key_create", [&a](req_t q, res_t r) { create_own_key(a, q, r); }));
    srv.route("DELETE", "/lokal/api/auth/keys/:id",
              audited(ctx, "key_revoke", [&a](req_t q, res_t r) { revoke_own_key(a, q, r); }));
    srv.route("GET", "/lokal/api/routes", [&a](req_t, res_t r) { list_routes(a, r); });
    srv.route("POST", "/lokal/api/auth/login",
              audited(ctx, "login", [&a, &ctx](req_t q, res_t r) { login(a, ctx, q, r); }));
    srv.route("POST", "/lokal/api/auth/password",
              audited(ctx, "password_change", [&a](req_t q, res_t r) { own_password(a, q, r); }));
    srv.route("POST", "/lokal/api/auth/logout", audited(ctx, "logout", [&a](req_t q, res_t r) { logout(a, q, r); }));
    srv.route("GET", "/lokal/api/auth/me", [&a](req_t q, res_t r) { me(a, q, r); });
}

}  // namespace lokal::handlers
