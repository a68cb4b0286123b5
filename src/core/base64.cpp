// Base64 (RFC 4648, standard alphabet, padded): registry credentials,
// images in chat requests, embeddings in OpenAI's base64 encoding.
#include "core/base64.h"

#include <cstdint>

namespace lokal {

std::string base64_encode(std::string_view data) {
    static const char * alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    size_t i = 0;
    for (; i + 2 < data.size(); i += 3) {
        uint32_t n = (uint8_t(data[i]) << 16) | (uint8_t(data[i + 1]) << 8) | uint8_t(data[i + 2]);
        for (int s = 18; s >= 0; s -= 6) out += alphabet[(n >> s) & 63];
    }
    size_t rest = data.size() - i;
    if (rest) {
        uint32_t n = uint8_t(data[i]) << 16;
        if (rest == 2) n |= uint8_t(data[i + 1]) << 8;
        out += alphabet[(n >> 18) & 63];
        out += alphabet[(n >> 12) & 63];
        out += rest == 2 ? alphabet[(n >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
    if (text.size() % 4 != 0) return std::nullopt;
    auto value = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        if (c == '+') return 62;
        if (c == '/') return 63;
        return -1;
    };
    std::string out;
    for (size_t i = 0; i < text.size(); i += 4) {
        uint32_t n = 0;
        int pad = 0;
        for (size_t k = 0; k < 4; ++k) {
            char c = text[i + k];
            if (c == '=' && i + 4 == text.size() && k >= 2) {
                ++pad;
                n <<= 6;
                continue;
            }
            int v = value(c);
            if (v < 0 || pad) return std::nullopt;
            n = (n << 6) | uint32_t(v);
        }
        out += char((n >> 16) & 255);
        if (pad < 2) out += char((n >> 8) & 255);
        if (pad < 1) out += char(n & 255);
    }
    return out;
}

}  // namespace lokal
