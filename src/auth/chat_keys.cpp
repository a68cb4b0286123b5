// Passwords and the chat data key they wrap (LOKAL_ENCRYPT_CHATS, vault/):
// the key is stored on the user's row sealed under an Argon2id key of the
// password (its own salt, not the password hash's), so the database alone
// never opens a chat.
#include "auth/accounts.h"

#include "auth/crypto.h"

namespace lokal::auth {

namespace {

std::string key_ad(int64_t user_id) { return "lokal/user/" + std::to_string(user_id) + "/chat_key"; }

struct stored_key {
    std::string salt;
    std::string wrapped;  // empty: the user has no chat key yet
};

// The data key under password, or an error when it does not open.
result<vault::key_ptr> open_key(int64_t user_id, const stored_key & k, std::string_view password) {
    auto kek = vault::derive(password, k.salt);
    if (!kek) return kek.err();
    auto dek = vault::unwrap(**kek, k.wrapped, key_ad(user_id));
    if (!dek) return make_error(errc::internal, "the chat key of this user does not open with their password");
    return vault::key_ptr(std::move(dek.value()));
}

result<stored_key> wrap_key(int64_t user_id, const vault::key & dek, std::string_view password) {
    stored_key out{vault::new_salt(), ""};
    auto kek = vault::derive(password, out.salt);
    if (!kek) return kek.err();
    out.wrapped = vault::wrap(**kek, dek, key_ad(user_id));
    return out;
}

}  // namespace

result<vault::key_ptr> accounts::unlock_chat_key(int64_t user_id, std::string_view password, bool create) {
    stored_key k;
    {
        std::lock_guard lock(mu_);
        if (!db_) return make_error(errc::unavailable, "account database is not open");
        auto s = db_->prepare("SELECT chat_key_salt, chat_key FROM users WHERE id = ?");
        if (!s) return s.err();
        auto r = s->bind(1, user_id).step();
        if (!r) return r.err();
        if (!*r) return make_error(errc::not_found, "user not found");
        k = stored_key{s->get_text(0), s->get_text(1)};
    }
    if (!k.wrapped.empty()) return open_key(user_id, k, password);
    if (!create) return vault::key_ptr{};
    auto dek = vault::key::random();
    auto fresh = wrap_key(user_id, *dek, password);  // slow: outside the lock
    if (!fresh) return fresh.err();
    std::lock_guard lock(mu_);
    auto u = db_->prepare("UPDATE users SET chat_key_salt = ?, chat_key = ? WHERE id = ? AND chat_key = ''");
    if (!u) return u.err();
    if (auto st = u->bind(1, fresh->salt).bind(2, fresh->wrapped).bind(3, user_id).run(); !st) return st.err();
    if (db_->changes() == 1) return vault::key_ptr(dek);
    // Another sign-in of the same user made one first: use theirs.
    auto s = db_->prepare("SELECT chat_key_salt, chat_key FROM users WHERE id = ?");
    if (!s) return s.err();
    if (auto r = s->bind(1, user_id).step(); !r) return r.err();
    return open_key(user_id, stored_key{s->get_text(0), s->get_text(1)}, password);
}

result<int64_t> accounts::set_password(const std::string & name, std::string_view password,
                                       const password_change & how) {
    auto hash = hash_password(password);
    if (!hash) return hash.err();
    int64_t id = 0, sealed = 0;
    std::string old_hash;
    stored_key old;
    {
        std::lock_guard lock(mu_);
        auto uid = user_id_locked(name);
        if (!uid) return uid.err();
        id = *uid;
        auto s = db_->prepare("SELECT password_hash, chat_key_salt, chat_key,"
                              " (SELECT COUNT(*) FROM chats WHERE user_id = users.id AND sealed = 1) FROM users WHERE id = ?");
        if (!s) return s.err();
        if (auto r = s->bind(1, id).step(); !r) return r.err();
        old_hash = s->get_text(0);
        old = stored_key{s->get_text(1), s->get_text(2)};
        sealed = s->get_int(3);
    }
    if (how.current && !verify_password(old_hash, *how.current)) {
        return make_error(errc::unauthorized, "the current password is wrong");
    }
    stored_key next;  // empty: no chat key (a new one is made at the next sign-in)
    if (!old.wrapped.empty() && how.current) {
        auto dek = open_key(id, old, *how.current);
        if (!dek) return dek.err();
        auto re = wrap_key(id, **dek, password);
        if (!re) return re.err();
        next = *re;
    } else if (sealed > 0 && !how.discard_chats) {
        return make_error(errc::conflict,
                          "\"" + name + "\" has " + std::to_string(sealed) +
                              " encrypted chats that only their current password can unlock: give the current password "
                              "to keep them, or discard them (an admin reset cannot recover them)");
    }
    std::lock_guard lock(mu_);
    auto tx = db::transaction::begin(*db_);
    if (!tx) return tx.err();
    // Only if the key is still the one re-wrapped (no sign-in made one meanwhile).
    auto s = db_->prepare("UPDATE users SET password_hash = ?, chat_key_salt = ?, chat_key = ? WHERE id = ? AND chat_key = ?");
    if (!s) return s.err();
    s->bind(1, *hash).bind(2, next.salt).bind(3, next.wrapped).bind(4, id).bind(5, old.wrapped);
    if (auto st = s->run(); !st) return st.err();
    if (db_->changes() != 1) return make_error(errc::conflict, "the user's chat key changed meanwhile: try again");
    int64_t discarded = 0;
    if (next.wrapped.empty() && sealed > 0) {
        auto d = db_->prepare("DELETE FROM chats WHERE user_id = ? AND sealed = 1");
        if (!d) return d.err();
        if (auto st = d->bind(1, id).run(); !st) return st.err();
        discarded = db_->changes();
    }
    // A new password ends every web session of the user (keys stay).
    auto d = db_->prepare("DELETE FROM sessions WHERE user_id = ?");
    if (!d) return d.err();
    if (auto st = d->bind(1, id).run(); !st) return st.err();
    if (auto st = tx->commit(); !st) return st.err();
    return discarded;
}

}  // namespace lokal::auth
