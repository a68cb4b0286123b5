// API keys: created with a random secret shown once, stored as its SHA-256.
#include "auth/accounts.h"

#include "auth/crypto.h"
#include "core/clock.h"

namespace lokal::auth {

namespace {

// last_used_at is written at most this often per key: a database write on
// every request would serialise the server on SQLite's lock.
constexpr int64_t touch_interval_ms = 60'000;
constexpr size_t shown_prefix = 10;  // "lk-" and 7 characters of the secret
constexpr size_t max_label_bytes = 200;

constexpr const char * key_cols =
    "k.id, u.name, k.name, k.prefix, k.scopes, k.created_at, k.last_used_at, k.revoked_at";

key_info read_key(const db::statement & s) {
    return key_info{s.get_int(0), s.get_text(1), s.get_text(2), s.get_text(3), static_cast<scope_set>(s.get_int(4)),
                    s.get_int(5), s.get_optional_int(6), s.get_optional_int(7)};
}

}  // namespace

json to_json(const user_info & u) { return json{{"name", u.name}, {"role", u.role}, {"created_at", u.created_at}}; }

json to_json(const key_info & k) {
    json scopes = json::array();
    for (auto bit : {scope_inference, scope_models, scope_admin}) {
        if (k.scopes & bit) scopes.push_back(scopes_text(bit));
    }
    return json{{"id", k.id},
                {"user", k.user},
                {"name", k.name},
                {"prefix", k.prefix},
                {"scopes", std::move(scopes)},
                {"created_at", k.created_at},
                {"last_used_at", k.last_used_at ? json(*k.last_used_at) : json(nullptr)},
                {"revoked_at", k.revoked_at ? json(*k.revoked_at) : json(nullptr)}};
}

result<scope_set> own_key_scopes(const principal & p, std::optional<scope_set> asked) {
    const scope_set may = p.key_id ? p.scopes & role_scopes(p.role) : role_scopes(p.role);
    const scope_set want = asked ? *asked : (may & scope_inference ? scope_inference : may & ~scope_admin);
    if (want == 0) return make_error(errc::invalid_request, "a key needs at least one scope: inference, models, admin");
    if (want & ~may) {
        return make_error(errc::forbidden, "forbidden: a key of yours can hold at most the scopes " +
                                               (may ? scopes_text(may) : std::string("(none)")) +
                                               (p.key_id ? " (those of the key making it)" : " (your role's)"));
    }
    return want;
}

result<created_key> accounts::create_key(const std::string & user, const std::string & label, scope_set scopes) {
    if (label.size() > max_label_bytes) return make_error(errc::invalid_request, "key name too long");
    if (scopes == 0 || (scopes & ~all_scopes)) return make_error(errc::invalid_request, "invalid scopes");
    std::lock_guard lock(mu_);
    auto id = user_id_locked(user);
    if (!id) return id.err();
    auto owner = owner_locked(*id);
    if (!owner) return owner.err();
    if ((scopes & scope_admin) && owner->role != "admin") {
        return make_error(errc::forbidden, "only admins can hold keys with the admin scope");
    }
    created_key out;
    out.secret = new_secret("lk-");
    out.info = key_info{0, user, label, out.secret.substr(0, shown_prefix), scopes, unix_ms(), std::nullopt, std::nullopt};
    auto s = db_->prepare("INSERT INTO api_keys(user_id, name, prefix, hash, scopes, created_at) VALUES (?, ?, ?, ?, ?, ?)");
    if (!s) return s.err();
    s->bind(1, *id).bind(2, label).bind(3, out.info.prefix).bind(4, secret_hash(out.secret));
    if (auto st = s->bind(5, int64_t{scopes}).bind(6, out.info.created_at).run(); !st) return st.err();
    out.info.id = db_->last_insert_id();
    return out;
}

result<std::vector<key_info>> accounts::list_keys(const std::optional<std::string> & user) {
    std::lock_guard lock(mu_);
    if (!db_) return make_error(errc::unavailable, "account database is not open");
    std::string sql = std::string("SELECT ") + key_cols + " FROM api_keys k JOIN users u ON u.id = k.user_id";
    if (user) sql += " WHERE u.name = ?";
    auto s = db_->prepare(sql + " ORDER BY k.id");
    if (!s) return s.err();
    if (user) s->bind(1, *user);
    std::vector<key_info> out;
    for (;;) {
        auto r = s->step();
        if (!r) return r.err();
        if (!*r) break;
        out.push_back(read_key(*s));
    }
    return out;
}

status accounts::revoke_key(int64_t id, const std::optional<std::string> & owner) {
    std::lock_guard lock(mu_);
    if (!db_) return make_error(errc::unavailable, "account database is not open");
    std::string sql = "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?";
    if (owner) sql += " AND user_id = (SELECT id FROM users WHERE name = ?)";
    auto s = db_->prepare(sql);
    if (!s) return s.err();
    s->bind(1, unix_ms()).bind(2, id);
    if (owner) s->bind(3, *owner);
    if (auto st = s->run(); !st) return st;
    if (db_->changes() == 0) return make_error(errc::not_found, "key " + std::to_string(id) + " not found");
    return {};
}

result<principal> accounts::authenticate_key(std::string_view secret) {
    std::lock_guard lock(mu_);
    if (!db_) return make_error(errc::unavailable, "account database is not open");
    if (secret.size() > 200) return make_error(errc::unauthorized, "invalid API key");
    const std::string hash = secret_hash(secret);
    auto s = db_->prepare("SELECT id, user_id, hash, scopes, last_used_at, revoked_at FROM api_keys WHERE hash = ?");
    if (!s) return s.err();
    auto r = s->bind(1, hash).step();
    if (!r) return r.err();
    // The lookup is by digest; the comparison of the digests is constant-time
    // all the same, so no code path compares secrets byte by byte.
    if (!*r || !equal_ct(s->get_text(2), hash)) return make_error(errc::unauthorized, "invalid API key");
    if (!s->is_null(5)) return make_error(errc::unauthorized, "API key revoked");
    const int64_t key_id = s->get_int(0);
    const auto scopes = static_cast<scope_set>(s->get_int(3));
    const auto last_used = s->get_optional_int(4);
    auto p = owner_locked(s->get_int(1));
    if (!p) return p.err();
    p->scopes = scopes;
    p->key_id = key_id;
    // A key of a demoted admin loses its admin scope with the role.
    if (p->role != "admin") p->scopes &= ~scope_admin;
    // Bookkeeping only: a busy database must not fail the request.
    (void)touch_key_locked(key_id, last_used);
    return p;
}

status accounts::touch_key_locked(int64_t key_id, std::optional<int64_t> last_used) {
    const int64_t now = unix_ms();
    if (last_used && now - *last_used < touch_interval_ms) return {};
    auto s = db_->prepare("UPDATE api_keys SET last_used_at = ? WHERE id = ?");
    if (!s) return s.err();
    return s->bind(1, now).bind(2, key_id).run();
}

}  // namespace lokal::auth
