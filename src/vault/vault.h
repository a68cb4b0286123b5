// Encryption of data at rest (LOKAL_ENCRYPT_CHATS): a per-user data key
// seals values with XChaCha20-Poly1305 (libsodium's AEAD), and is itself
// stored wrapped by a key derived from the user's password with Argon2id.
// Every sealed value names what it is through its associated data (the
// row id and the field), so a sealed value copied into another row or
// field fails to open instead of showing up there.
#pragma once

#include "core/result.h"

#include <array>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace lokal::vault {

constexpr size_t key_bytes = 32;

// A symmetric key in memory. Never copied; its bytes are wiped
// (sodium_memzero) when the last owner lets go of it.
class key {
public:
    key() = default;
    ~key();
    key(const key &) = delete;
    key & operator=(const key &) = delete;

    static std::shared_ptr<key> random();
    unsigned char * data() { return bytes_.data(); }
    const unsigned char * data() const { return bytes_.data(); }

private:
    std::array<unsigned char, key_bytes> bytes_{};
};

using key_ptr = std::shared_ptr<const key>;

// plain sealed under k: unpadded base64url of nonce (24 random bytes) +
// ciphertext + tag (16 bytes). Text, so it fits the TEXT columns it replaces.
std::string seal(const key & k, std::string_view plain, std::string_view ad);
// The plain text of a sealed value; invalid_request ("cannot be decrypted")
// for a wrong key, other associated data, or any changed byte.
result<std::string> open(const key & k, std::string_view sealed, std::string_view ad);

// A fresh Argon2id salt (16 random bytes, base64url).
std::string new_salt();
// The key-encryption key for a password and salt: Argon2id with libsodium's
// interactive limits (about 64 MiB and tens of milliseconds).
result<std::shared_ptr<key>> derive(std::string_view password, std::string_view salt);
// dek sealed under kek, and back; unwrap fails for a wrong password's kek.
std::string wrap(const key & kek, const key & dek, std::string_view ad);
result<std::shared_ptr<key>> unwrap(const key & kek, std::string_view wrapped, std::string_view ad);

}  // namespace lokal::vault
