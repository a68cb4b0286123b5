// The unlocked data keys of the server's web sessions, in memory only: a
// key is put here at sign-in (unwrapped with the password) and is gone at
// sign-out, at the session's expiry, when the user's password changes, and
// when the server stops. Nothing here is ever written anywhere.
#pragma once

#include "vault/vault.h"

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace lokal::vault {

class keyring {
public:
    // Holds k for the session with this secret until expires_at_ms (since
    // the epoch); also lets go of every expired entry.
    void put(std::string_view session_secret, int64_t user, int64_t expires_at_ms, key_ptr k);
    // The key of a live session of `user`; null when there is none.
    key_ptr get(std::string_view session_secret, int64_t user);
    void drop(std::string_view session_secret);
    void drop_user(int64_t user);
    size_t size();

private:
    struct entry {
        int64_t user = 0;
        int64_t expires_at = 0;
        key_ptr k;
    };
    void sweep_locked(int64_t now);
    std::mutex mu_;
    // By a BLAKE2b digest of the session secret: the secret itself is not kept.
    std::map<std::string, entry> by_session_;
};

}  // namespace lokal::vault
