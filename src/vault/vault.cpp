#include "vault/vault.h"

#include <sodium.h>

#include <vector>

namespace lokal::vault {

namespace {

constexpr size_t nonce_bytes = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr size_t tag_bytes = crypto_aead_xchacha20poly1305_ietf_ABYTES;
constexpr size_t salt_bytes = crypto_pwhash_SALTBYTES;
static_assert(key_bytes == crypto_aead_xchacha20poly1305_ietf_KEYBYTES);

bool ready() { return sodium_init() >= 0; }  // thread-safe; 1 when already done

const unsigned char * bytes(std::string_view s) { return reinterpret_cast<const unsigned char *>(s.data()); }

std::string to_b64(const unsigned char * p, size_t n) {
    std::string out(sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
    sodium_bin2base64(out.data(), out.size(), p, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    out.resize(out.size() - 1);  // the NUL
    return out;
}

bool from_b64(std::string_view text, std::vector<unsigned char> & out) {
    out.resize(text.size() * 3 / 4 + 1);
    size_t len = 0;
    if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &len, nullptr,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
        return false;
    }
    out.resize(len);
    return true;
}

error undecryptable() {
    return make_error(errc::invalid_request, "cannot be decrypted (wrong key, or the stored value was changed)");
}

// Decrypts sealed into out (resized to the plain length); false when it does not authenticate.
bool open_into(const key & k, std::string_view sealed, std::string_view ad, unsigned char * out, size_t out_cap,
               size_t & out_len) {
    std::vector<unsigned char> raw;
    if (!ready() || !from_b64(sealed, raw) || raw.size() < nonce_bytes + tag_bytes) return false;
    if (raw.size() - nonce_bytes - tag_bytes > out_cap) return false;
    unsigned long long n = 0;
    int rc = crypto_aead_xchacha20poly1305_ietf_decrypt(out, &n, nullptr, raw.data() + nonce_bytes,
                                                        raw.size() - nonce_bytes, bytes(ad), ad.size(), raw.data(),
                                                        k.data());
    out_len = static_cast<size_t>(n);
    return rc == 0;
}

}  // namespace

key::~key() { sodium_memzero(bytes_.data(), bytes_.size()); }

std::shared_ptr<key> key::random() {
    (void)ready();
    auto k = std::make_shared<key>();
    crypto_aead_xchacha20poly1305_ietf_keygen(k->data());
    return k;
}

std::string seal(const key & k, std::string_view plain, std::string_view ad) {
    (void)ready();
    std::vector<unsigned char> raw(nonce_bytes + plain.size() + tag_bytes);
    randombytes_buf(raw.data(), nonce_bytes);
    unsigned long long n = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(raw.data() + nonce_bytes, &n, bytes(plain), plain.size(), bytes(ad),
                                               ad.size(), nullptr, raw.data(), k.data());
    return to_b64(raw.data(), nonce_bytes + static_cast<size_t>(n));
}

result<std::string> open(const key & k, std::string_view sealed, std::string_view ad) {
    std::string out(sealed.size(), '\0');  // the plain text is shorter than its base64
    size_t len = 0;
    if (!open_into(k, sealed, ad, reinterpret_cast<unsigned char *>(out.data()), out.size(), len)) {
        return undecryptable();
    }
    out.resize(len);
    return out;
}

std::string new_salt() {
    (void)ready();
    std::array<unsigned char, salt_bytes> s{};
    randombytes_buf(s.data(), s.size());
    return to_b64(s.data(), s.size());
}

result<std::shared_ptr<key>> derive(std::string_view password, std::string_view salt) {
    std::vector<unsigned char> s;
    if (!ready() || !from_b64(salt, s) || s.size() != salt_bytes) {
        return make_error(errc::internal, "stored key salt is malformed");
    }
    auto k = std::make_shared<key>();
    if (crypto_pwhash(k->data(), key_bytes, password.data(), password.size(), s.data(),
                      crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE,
                      crypto_pwhash_ALG_ARGON2ID13) != 0) {
        return make_error(errc::unavailable, "out of memory while deriving the chat key");
    }
    return k;
}

std::string wrap(const key & kek, const key & dek, std::string_view ad) {
    return seal(kek, std::string_view(reinterpret_cast<const char *>(dek.data()), key_bytes), ad);
}

result<std::shared_ptr<key>> unwrap(const key & kek, std::string_view wrapped, std::string_view ad) {
    // Decrypted straight into the key's own (wiped) storage, never a string.
    auto k = std::make_shared<key>();
    size_t len = 0;
    if (!open_into(kek, wrapped, ad, k->data(), key_bytes, len) || len != key_bytes) return undecryptable();
    return k;
}

}  // namespace lokal::vault
