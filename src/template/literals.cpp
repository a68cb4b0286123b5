// Go's rules for numeric literals (strconv.ParseInt/ParseUint with base 0,
// ParseFloat), as text/template's parser applies them.
#include "template/text.h"

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdlib>

namespace lokal::tmpl {

// Go's underscore rule for literals: only between digits or after a base
// prefix. Returns false when an underscore is misplaced.
bool strip_underscores(std::string_view text, std::string & out) {
    out.clear();
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '_') {
            out.push_back(text[i]);
            continue;
        }
        const bool before = i > 0 && std::isalnum(static_cast<unsigned char>(text[i - 1]));
        const bool after = i + 1 < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + 1]));
        if (!before || !after) {
            return false;
        }
    }
    return true;
}

// strconv.ParseUint/ParseInt with base 0 (prefixes 0x, 0o, 0b and a leading 0).
bool parse_go_uint(std::string_view s, std::uint64_t & v) {
    int base = 10;
    if (s.size() > 1 && s[0] == '0') {
        const char p = static_cast<char>(std::tolower(static_cast<unsigned char>(s[1])));
        if (p == 'x' || p == 'o' || p == 'b') {
            base = p == 'x' ? 16 : p == 'o' ? 8 : 2;
            s.remove_prefix(2);
        } else {
            base = 8;
            s.remove_prefix(1);
        }
    }
    if (s.empty()) {
        return false;
    }
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
    return ec == std::errc() && end == s.data() + s.size();
}

bool parse_go_int(std::string_view s, std::int64_t & v) {
    bool neg = false;
    if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
        neg = s[0] == '-';
        s.remove_prefix(1);
    }
    std::uint64_t u = 0;
    if (!parse_go_uint(s, u)) {
        return false;
    }
    constexpr std::uint64_t limit = static_cast<std::uint64_t>(INT64_MAX);
    if (neg) {
        if (u > limit + 1) {
            return false;
        }
        v = u == limit + 1 ? INT64_MIN : -static_cast<std::int64_t>(u);
        return true;
    }
    if (u > limit) {
        return false;
    }
    v = static_cast<std::int64_t>(u);
    return true;
}

bool parse_go_float(const std::string & s, double & f) {
    const bool hex = s.find("0x") != std::string::npos || s.find("0X") != std::string::npos;
    if (s.empty() || std::isspace(static_cast<unsigned char>(s[0])) ||
        (hex && s.find_first_of("pP") == std::string::npos)) {
        return false;
    }
    errno = 0;
    char * end = nullptr;
    f = std::strtod(s.c_str(), &end);
    if (end != s.c_str() + s.size()) {
        return false;
    }
    return !(errno == ERANGE && (f > 1 || f < -1));
}

}  // namespace lokal::tmpl
