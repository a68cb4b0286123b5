// Users and web sessions; API keys are in keys.cpp.
#include "auth/accounts.h"

#include "auth/crypto.h"
#include "chats/schema.h"
#include "core/clock.h"

namespace lokal::auth {

namespace {

constexpr int64_t local_user = 1;  // the owner while authentication is off (chats::local_user_id)

error no_user(const std::string & name) { return make_error(errc::not_found, "user \"" + name + "\" not found"); }

}  // namespace

status validate_user_name(std::string_view name) {
    auto bad = [&](const char * why) {
        return make_error(errc::invalid_request, "invalid user name \"" + std::string(name.substr(0, 64)) + "\": " + why);
    };
    if (name.empty() || name.size() > 64) return bad("1 to 64 characters");
    if (name.front() == '.' || name.front() == '-') return bad("must start with a letter, digit or '_'");
    for (char c : name) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
                  c == '-';
        if (!ok) return bad("letters, digits, '.', '_' and '-' only");
    }
    if (name == "local") return bad("reserved");
    return {};
}

status accounts::open() {
    std::lock_guard lock(mu_);
    if (auto st = init_crypto(); !st) return st;
    auto c = db::connection::open_migrated(path_, chats::migrations());
    if (!c) return c.err();
    db_.emplace(std::move(c.value()));
    return {};
}

result<int64_t> accounts::admin_count() {
    std::lock_guard lock(mu_);
    if (!db_) return make_error(errc::unavailable, "account database is not open");
    auto s = db_->prepare("SELECT COUNT(*) FROM users WHERE role = 'admin' AND id != 1");
    if (!s) return s.err();
    if (auto r = s->step(); !r) return r.err();
    return s->get_int(0);
}

result<user_info> accounts::add_user(const std::string & name, std::string_view password, const std::string & role) {
    if (auto st = validate_user_name(name); !st) return st.err();
    if (role != "admin" && role != "user") return make_error(errc::invalid_request, "role must be admin or user");
    auto hash = hash_password(password);  // slow on purpose: outside the lock
    if (!hash) return hash.err();
    std::lock_guard lock(mu_);
    if (!db_) return make_error(errc::unavailable, "account database is not open");
    auto s = db_->prepare("INSERT INTO users(name, role, password_hash, created_at) VALUES (?, ?, ?, ?)");
    if (!s) return s.err();
    user_info u{0, name, role, unix_ms()};
    if (auto st = s->bind(1, name).bind(2, role).bind(3, *hash).bind(4, u.created_at).run(); !st) {
        if (st.err().code == errc::conflict) return make_error(errc::conflict, "user \"" + name + "\" already exists");
        return st.err();
    }
    u.id = db_->last_insert_id();
    return u;
}

result<std::vector<user_info>> accounts::list_users() {
    std::lock_guard lock(mu_);
    if (!db_) return make_error(errc::unavailable, "account database is not open");
    auto s = db_->prepare("SELECT id, name, role, created_at FROM users WHERE id != 1 ORDER BY name");
    if (!s) return s.err();
    std::vector<user_info> out;
    for (;;) {
        auto r = s->step();
        if (!r) return r.err();
        if (!*r) break;
        out.push_back(user_info{s->get_int(0), s->get_text(1), s->get_text(2), s->get_int(3)});
    }
    return out;
}

result<user_info> accounts::find_user(const std::string & name) {
    std::lock_guard lock(mu_);
    return find_user_locked(name);
}

result<user_info> accounts::find_user_locked(const std::string & name) {
    if (!db_) return make_error(errc::unavailable, "account database is not open");
    auto s = db_->prepare("SELECT id, name, role, created_at FROM users WHERE name = ? AND id != 1");
    if (!s) return s.err();
    auto r = s->bind(1, name).step();
    if (!r) return r.err();
    if (!*r) return no_user(name);
    return user_info{s->get_int(0), s->get_text(1), s->get_text(2), s->get_int(3)};
}

result<int64_t> accounts::user_id_locked(const std::string & name) {
    auto u = find_user_locked(name);
    if (!u) return u.err();
    return u->id;
}

status accounts::remove_user(const std::string & name) {
    std::lock_guard lock(mu_);
    auto id = user_id_locked(name);
    if (!id) return id.err();
    auto tx = db::transaction::begin(*db_);
    if (!tx) return tx.err();
    auto s = db_->prepare("SELECT role, (SELECT COUNT(*) FROM users WHERE role = 'admin' AND id != 1) FROM users WHERE id = ?");
    if (!s) return s.err();
    if (auto r = s->bind(1, *id).step(); !r) return r.err();
    if (s->get_text(0) == "admin" && s->get_int(1) <= 1) {
        return make_error(errc::conflict, "\"" + name + "\" is the last admin: add another admin first");
    }
    auto d = db_->prepare("DELETE FROM users WHERE id = ?");
    if (!d) return d.err();
    if (auto st = d->bind(1, *id).run(); !st) return st;
    return tx->commit();
}

result<principal> accounts::owner_locked(int64_t user_id) {
    auto s = db_->prepare("SELECT name, role FROM users WHERE id = ?");
    if (!s) return s.err();
    auto r = s->bind(1, user_id).step();
    if (!r) return r.err();
    if (!*r || user_id == local_user) return make_error(errc::unauthorized, "unauthorized");
    principal p;
    p.user_id = user_id;
    p.name = s->get_text(0);
    p.role = s->get_text(1);
    return p;
}

result<std::string> accounts::login(const std::string & name, std::string_view password, int64_t ttl_ms) {
    std::string stored;
    int64_t id = 0;
    {
        std::lock_guard lock(mu_);
        auto uid = user_id_locked(name);
        if (!uid && uid.err().code != errc::not_found) return uid.err();
        if (uid) {
            id = *uid;
            auto s = db_->prepare("SELECT password_hash FROM users WHERE id = ?");
            if (!s) return s.err();
            if (auto r = s->bind(1, id).step(); !r) return r.err();
            stored = s->get_text(0);
        }
    }
    // An unknown name costs the same hashing as a wrong password, so timing
    // does not tell which names exist.
    static const std::string dummy = hash_password("not a real password").value();
    bool ok = verify_password(stored.empty() ? dummy : stored, password) && !stored.empty();
    if (!ok) return make_error(errc::unauthorized, "wrong user name or password");
    std::string secret = new_secret("lks-");
    std::lock_guard lock(mu_);
    auto s = db_->prepare("INSERT INTO sessions(user_id, hash, created_at, expires_at) VALUES (?, ?, ?, ?)");
    if (!s) return s.err();
    int64_t now = unix_ms();
    if (auto st = s->bind(1, id).bind(2, secret_hash(secret)).bind(3, now).bind(4, now + ttl_ms).run(); !st) return st.err();
    // Expired sessions go when someone logs in; nothing else needs a timer.
    if (auto d = db_->prepare("DELETE FROM sessions WHERE expires_at < ?")) (void)d->bind(1, now).run();
    return secret;
}

result<principal> accounts::authenticate_session(std::string_view secret) {
    std::lock_guard lock(mu_);
    if (!db_) return make_error(errc::unavailable, "account database is not open");
    const std::string hash = secret_hash(secret);
    auto s = db_->prepare("SELECT user_id, hash FROM sessions WHERE hash = ? AND expires_at > ?");
    if (!s) return s.err();
    auto r = s->bind(1, hash).bind(2, unix_ms()).step();
    if (!r) return r.err();
    if (!*r || !equal_ct(s->get_text(1), hash)) return make_error(errc::unauthorized, "session expired or unknown");
    auto p = owner_locked(s->get_int(0));
    if (!p) return p.err();
    p->scopes = p->role == "admin" ? all_scopes : scope_inference;
    p->session = std::string(secret);
    return p;
}

status accounts::logout(std::string_view secret) {
    std::lock_guard lock(mu_);
    if (!db_) return make_error(errc::unavailable, "account database is not open");
    auto s = db_->prepare("DELETE FROM sessions WHERE hash = ?");
    if (!s) return s.err();
    return s->bind(1, secret_hash(secret)).run();
}

}  // namespace lokal::auth
