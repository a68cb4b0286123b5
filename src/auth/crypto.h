// The secrets of accounts: Argon2id password hashes, random API keys and
// session tokens stored only as SHA-256 digests, and constant-time
// comparison. Everything goes through libsodium; nothing else in lokal
// touches passwords or raw tokens.
#pragma once

#include "core/result.h"

#include <string>
#include <string_view>

namespace lokal::auth {

// Initialises libsodium once (safe to call from any thread, any number of times).
status init_crypto();

// Longest password accepted (a bound on the hashing input, not a policy).
constexpr size_t max_password_bytes = 1024;
constexpr size_t min_password_bytes = 8;

// Argon2id in libsodium's string format ("$argon2id$v=19$m=...,t=...,p=1$...").
// Interactive limits: about 64 MiB and a few tens of milliseconds per hash.
result<std::string> hash_password(std::string_view password);
// True when password matches the stored hash (false for a malformed hash).
bool verify_password(const std::string & stored_hash, std::string_view password);

// A fresh secret: prefix followed by 32 random bytes as unpadded base64url
// (43 characters), e.g. "lk-" for API keys.
std::string new_secret(std::string_view prefix);
// The stored form of a high-entropy secret: lower-case hex SHA-256.
std::string secret_hash(std::string_view secret);
// Constant-time equality of two strings of the same length (false when the lengths differ).
bool equal_ct(std::string_view a, std::string_view b);

}  // namespace lokal::auth
