// Content digests: the only way a blob is named. A digest is accepted as
// "sha256:<64 lowercase hex>" or, as Ollama also does for blob file names,
// "sha256-<64 lowercase hex>", and always normalised to the colon form. The
// blob file for a digest is "sha256-<hex>" in the blobs directory; a string
// that is not a digest can never become a path.
#pragma once

#include "core/result.h"

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace lokal::store {

// "sha256:<hex>" for either accepted spelling; invalid_request otherwise
// (message: "invalid digest format", as Ollama says).
result<std::string> parse_digest(std::string_view text);

// True when text is exactly "sha256:<64 lowercase hex>".
bool is_normal_digest(std::string_view text);

// "sha256-<hex>" for a normalised digest; empty when it is not one.
std::string blob_file_name(std::string_view digest);

// Streaming SHA-256 (OpenSSL underneath).
class sha256 {
public:
    sha256();
    ~sha256();
    sha256(const sha256 &) = delete;
    sha256 & operator=(const sha256 &) = delete;

    void update(const void * data, size_t size);
    void update(std::string_view data) { update(data.data(), data.size()); }
    // Lowercase hex of the digest; the hasher must not be used afterwards.
    std::string finish_hex();

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

// "sha256:<hex>" of data.
std::string digest_of(std::string_view data);

}  // namespace lokal::store
