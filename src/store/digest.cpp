#include "store/digest.h"

#include <openssl/evp.h>

#include <stdexcept>

namespace lokal::store {

namespace {

constexpr std::string_view k_algo = "sha256";
constexpr size_t k_hex_len = 64;

bool is_lower_hex(std::string_view s) {
    for (char c : s) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return false;
        }
    }
    return true;
}

// Returns the hex part when text is "sha256<sep><hex>" with sep in seps.
std::string_view hex_part(std::string_view text, std::string_view seps) {
    if (text.size() != k_algo.size() + 1 + k_hex_len || text.substr(0, k_algo.size()) != k_algo) {
        return {};
    }
    if (seps.find(text[k_algo.size()]) == std::string_view::npos) {
        return {};
    }
    std::string_view hex = text.substr(k_algo.size() + 1);
    return is_lower_hex(hex) ? hex : std::string_view{};
}

}  // namespace

result<std::string> parse_digest(std::string_view text) {
    std::string_view hex = hex_part(text, ":-");
    if (hex.empty()) {
        return make_error(errc::invalid_request, "invalid digest format");
    }
    return "sha256:" + std::string(hex);
}

bool is_normal_digest(std::string_view text) { return !hex_part(text, ":").empty(); }

std::string blob_file_name(std::string_view digest) {
    std::string_view hex = hex_part(digest, ":");
    if (hex.empty()) {
        return {};
    }
    return "sha256-" + std::string(hex);
}

struct sha256::impl {
    EVP_MD_CTX * ctx = nullptr;
};

sha256::sha256() : impl_(std::make_unique<impl>()) {
    impl_->ctx = EVP_MD_CTX_new();
    if (impl_->ctx == nullptr || EVP_DigestInit_ex(impl_->ctx, EVP_sha256(), nullptr) != 1) {
        // Only allocation failure gets here; nothing sensible can continue.
        throw std::bad_alloc();
    }
}

sha256::~sha256() { EVP_MD_CTX_free(impl_->ctx); }

void sha256::update(const void * data, size_t size) {
    if (size > 0) {
        EVP_DigestUpdate(impl_->ctx, data, size);
    }
}

std::string sha256::finish_hex() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(impl_->ctx, md, &len);
    static const char * digits = "0123456789abcdef";
    std::string out;
    out.reserve(len * 2);
    for (unsigned int i = 0; i < len; ++i) {
        out.push_back(digits[md[i] >> 4]);
        out.push_back(digits[md[i] & 0xf]);
    }
    return out;
}

std::string digest_of(std::string_view data) {
    sha256 h;
    h.update(data);
    return "sha256:" + h.finish_hex();
}

}  // namespace lokal::store
