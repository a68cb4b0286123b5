// Base64 with the standard alphabet and padding (RFC 4648 section 4).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace lokal {

std::string base64_encode(std::string_view data);
// nullopt for malformed input (wrong length, bad characters, misplaced padding).
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace lokal
