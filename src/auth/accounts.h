// Users, API keys and web sessions in lokal.db (db/, schema in
// chats/schema.cpp). The only code that writes these tables. One connection
// behind a mutex, like the chat store; the two share the file through
// SQLite's WAL and busy timeout, so `lokal user add` can run next to a
// serving lokal.
#pragma once

#include "auth/policy.h"
#include "core/json.h"
#include "core/result.h"
#include "db/db.h"
#include "vault/vault.h"

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace lokal::auth {

// Who a credential belongs to and what it may do.
struct principal {
    int64_t user_id = 0;
    std::string name;
    std::string role;        // admin | user
    scope_set scopes = 0;
    int64_t key_id = 0;      // 0 for a web session
    std::string session;     // the session secret (web sessions only; for the CSRF token)
};

struct user_info {
    int64_t id = 0;
    std::string name;
    std::string role;
    int64_t created_at = 0;  // milliseconds since the epoch
};

struct key_info {
    int64_t id = 0;
    std::string user;
    std::string name;        // a label: "laptop", "ci"
    std::string prefix;      // the secret's first characters, to tell keys apart
    scope_set scopes = 0;
    int64_t created_at = 0;
    std::optional<int64_t> last_used_at;
    std::optional<int64_t> revoked_at;
};

struct created_key {
    key_info info;
    std::string secret;      // shown once, never stored
};

// The scopes of a key `p` makes for itself: `asked`, or by default
// inference (or, for a key without it, the key's own scopes). At most what
// the credential may grant: a session, its role's scopes; a key, its own
// (so a leaked inference key cannot mint a models key). Forbidden beyond.
result<scope_set> own_key_scopes(const principal & p, std::optional<scope_set> asked);

// The JSON of /lokal/api/users and /lokal/api/keys (times in milliseconds
// since the epoch, scopes as an array of names).
json to_json(const user_info & u);
json to_json(const key_info & k);

// User names: 1-64 of [A-Za-z0-9._-], not starting with '.' or '-'; "local" is reserved.
status validate_user_name(std::string_view name);

// How a password is set. Chats encrypted at rest (LOKAL_ENCRYPT_CHATS) are
// sealed under a key only the user's password unwraps: with the current
// password that key is re-wrapped under the new one and the chats stay
// readable; without it (an admin reset) nobody can recover the key, so a
// user with encrypted chats is refused unless discard_chats, which deletes
// those chats.
struct password_change {
    std::optional<std::string> current;
    bool discard_chats = false;
};

class accounts {
public:
    explicit accounts(std::string path) : path_(std::move(path)) {}

    // Opens the database (creating its folder) and migrates the schema.
    status open();

    result<int64_t> admin_count();
    result<user_info> add_user(const std::string & name, std::string_view password, const std::string & role);
    result<std::vector<user_info>> list_users();
    result<user_info> find_user(const std::string & name);
    // The number of encrypted chats discarded (see password_change).
    result<int64_t> set_password(const std::string & name, std::string_view password,
                                 const password_change & how = {});
    // Deletes the user with their keys, sessions and chats; never the last admin.
    status remove_user(const std::string & name);

    // A key for `user` with `scopes` (admin only for admins).
    result<created_key> create_key(const std::string & user, const std::string & label, scope_set scopes);
    // Every key, or those of one user.
    result<std::vector<key_info>> list_keys(const std::optional<std::string> & user);
    // Revokes key `id`; when owner is set, only a key of that user.
    status revoke_key(int64_t id, const std::optional<std::string> & owner);
    // The owner of a key; unauthorized for an unknown or revoked key.
    result<principal> authenticate_key(std::string_view secret);

    // Web sessions: a fresh secret for name+password, valid for `ttl_ms`.
    result<std::string> login(const std::string & name, std::string_view password, int64_t ttl_ms);
    result<principal> authenticate_session(std::string_view secret);
    status logout(std::string_view secret);

    // The user's chat data key, unwrapped with their password (checked by
    // login() before): made on first use when create, else null if the user
    // has none. Argon2id: tens of milliseconds.
    result<vault::key_ptr> unlock_chat_key(int64_t user_id, std::string_view password, bool create);

private:
    result<user_info> find_user_locked(const std::string & name);
    result<int64_t> user_id_locked(const std::string & name);
    result<principal> owner_locked(int64_t user_id);
    status touch_key_locked(int64_t key_id, std::optional<int64_t> last_used);

    std::string path_;
    std::mutex mu_;
    std::optional<db::connection> db_;
};

}  // namespace lokal::auth
