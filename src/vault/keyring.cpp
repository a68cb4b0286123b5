#include "vault/keyring.h"

#include "core/clock.h"

#include <sodium.h>

namespace lokal::vault {

namespace {

std::string digest(std::string_view secret) {
    if (sodium_init() < 0) return std::string(secret);  // never: libsodium is set up by then
    std::string out(crypto_generichash_BYTES, '\0');
    crypto_generichash(reinterpret_cast<unsigned char *>(out.data()), out.size(),
                       reinterpret_cast<const unsigned char *>(secret.data()), secret.size(), nullptr, 0);
    return out;
}

}  // namespace

void keyring::put(std::string_view session_secret, int64_t user, int64_t expires_at_ms, key_ptr k) {
    std::lock_guard lock(mu_);
    sweep_locked(unix_ms());
    by_session_[digest(session_secret)] = entry{user, expires_at_ms, std::move(k)};
}

key_ptr keyring::get(std::string_view session_secret, int64_t user) {
    std::lock_guard lock(mu_);
    auto it = by_session_.find(digest(session_secret));
    if (it == by_session_.end()) return nullptr;
    if (it->second.expires_at <= unix_ms()) {
        by_session_.erase(it);
        return nullptr;
    }
    return it->second.user == user ? it->second.k : nullptr;
}

void keyring::drop(std::string_view session_secret) {
    std::lock_guard lock(mu_);
    by_session_.erase(digest(session_secret));
}

void keyring::drop_user(int64_t user) {
    std::lock_guard lock(mu_);
    std::erase_if(by_session_, [user](const auto & e) { return e.second.user == user; });
}

size_t keyring::size() {
    std::lock_guard lock(mu_);
    return by_session_.size();
}

void keyring::sweep_locked(int64_t now) {
    std::erase_if(by_session_, [now](const auto & e) { return e.second.expires_at <= now; });
}

}  // namespace lokal::vault
