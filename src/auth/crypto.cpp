#include "auth/crypto.h"

#include <sodium.h>

#include <array>

namespace lokal::auth {

status init_crypto() {
    // sodium_init is thread-safe and returns 1 when already initialised.
    if (sodium_init() < 0) return make_error(errc::internal, "could not initialise libsodium");
    return {};
}

result<std::string> hash_password(std::string_view password) {
    if (auto st = init_crypto(); !st) return st.err();
    if (password.size() < min_password_bytes) {
        return make_error(errc::invalid_request,
                          "password too short (at least " + std::to_string(min_password_bytes) + " characters)");
    }
    if (password.size() > max_password_bytes) return make_error(errc::invalid_request, "password too long");
    std::array<char, crypto_pwhash_STRBYTES> out{};
    if (crypto_pwhash_str_alg(out.data(), password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0) {
        return make_error(errc::unavailable, "out of memory while hashing the password");
    }
    return std::string(out.data());
}

bool verify_password(const std::string & stored_hash, std::string_view password) {
    if (!init_crypto() || stored_hash.empty() || password.size() > max_password_bytes) return false;
    return crypto_pwhash_str_verify(stored_hash.c_str(), password.data(), password.size()) == 0;
}

std::string new_secret(std::string_view prefix) {
    (void)init_crypto();
    std::array<unsigned char, 32> raw{};
    randombytes_buf(raw.data(), raw.size());
    std::array<char, 64> b64{};  // sodium_base64_ENCODED_LEN(32, no padding) = 44 with the NUL
    sodium_bin2base64(b64.data(), b64.size(), raw.data(), raw.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw.data(), raw.size());
    return std::string(prefix) + b64.data();
}

std::string secret_hash(std::string_view secret) {
    (void)init_crypto();
    std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
    crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char *>(secret.data()), secret.size());
    std::array<char, crypto_hash_sha256_BYTES * 2 + 1> hex{};
    sodium_bin2hex(hex.data(), hex.size(), digest.data(), digest.size());
    return hex.data();
}

bool equal_ct(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    if (a.empty()) return true;
    return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace lokal::auth
