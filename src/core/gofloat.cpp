// strconv.FormatFloat: Go's shortest round-trip digits and its choice
// between fixed and exponent forms.
#include "core/gojson.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace lokal::gofmt {

namespace {

// Shortest digits and the decimal exponent: v = 0.DIGITS * 10^dp. For a
// float, the shortest digits that read back as that float (Go's bitSize 32).
template <typename Float>
void shortest_digits(Float v, std::string & digits, int & dp) {
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof buf, std::fabs(v), std::chars_format::scientific);
    std::string_view s(buf, static_cast<std::size_t>(res.ptr - buf));
    const std::size_t e = s.find('e');
    digits.clear();
    for (char c : s.substr(0, e)) {
        if (c != '.') {
            digits.push_back(c);
        }
    }
    int exp = 0;
    std::string_view es = s.substr(e + 1);
    if (!es.empty() && es[0] == '+') {
        es.remove_prefix(1);
    }
    std::from_chars(es.data(), es.data() + es.size(), exp);
    while (digits.size() > 1 && digits.back() == '0') {
        digits.pop_back();
    }
    dp = exp + 1;
    if (digits == "0") {
        dp = 1;
    }
}

std::string exp_form(const std::string & digits, int dp, char e) {
    std::string s(1, digits[0]);
    if (digits.size() > 1) {
        s += '.';
        s += digits.substr(1);
    }
    int exp = digits == "0" ? 0 : dp - 1;
    s += e;
    s += exp < 0 ? '-' : '+';
    exp = std::abs(exp);
    if (exp < 10) {
        s += '0';
    }
    s += std::to_string(exp);
    return s;
}

std::string fixed_form(const std::string & digits, int dp) {
    std::string s;
    if (dp <= 0) {
        s = "0";
    } else {
        for (int i = 0; i < dp; ++i) {
            s += i < static_cast<int>(digits.size()) ? digits[static_cast<std::size_t>(i)] : '0';
        }
    }
    if (static_cast<int>(digits.size()) > dp) {
        s += '.';
        for (int i = dp; i < 0; ++i) {
            s += '0';
        }
        s += digits.substr(static_cast<std::size_t>(std::max(dp, 0)));
    }
    return s;
}

}  // namespace

namespace {

// Go's %x for floats: C's %a with at least two exponent digits.
std::string hex_float(double v, char fmt, int prec) {
    char spec_buf[16];
    if (prec < 0) {
        std::snprintf(spec_buf, sizeof spec_buf, "%%%c", fmt);
    } else {
        std::snprintf(spec_buf, sizeof spec_buf, "%%.%d%c", prec, fmt);
    }
    char buf[64];
    std::snprintf(buf, sizeof buf, spec_buf, v);
    std::string s = buf;
    const std::size_t p = s.find_last_of("pP");
    if (p != std::string::npos && p + 3 == s.size()) {
        s.insert(p + 2, "0");
    }
    return s;
}

// strconv's 'b' format: decimal mantissa, binary exponent ("4503599627370496p-52").
std::string binary_exponent_form(double v) {
    std::uint64_t bits = 0;
    std::memcpy(&bits, &v, sizeof bits);
    const bool neg = (bits >> 63) != 0;
    int exp = static_cast<int>((bits >> 52) & 0x7FF);
    std::uint64_t mant = bits & ((std::uint64_t{1} << 52) - 1);
    if (exp == 0) {
        ++exp;
    } else {
        mant |= std::uint64_t{1} << 52;
    }
    exp -= 1023 + 52;
    return (neg ? "-" : "") + std::to_string(mant) + "p" + (exp >= 0 ? "+" : "") + std::to_string(exp);
}

}  // namespace

std::string format_float(double v, char fmt, int prec) {
    if (fmt == 'b') {
        return binary_exponent_form(v);
    }
    if ((fmt == 'a' || fmt == 'A') && std::isfinite(v)) {
        return hex_float(v, fmt, prec);
    }
    if (std::isnan(v)) {
        return "NaN";
    }
    if (std::isinf(v)) {
        return v > 0 ? "+Inf" : "-Inf";
    }
    const std::string sign = std::signbit(v) ? "-" : "";
    if (prec < 0) {
        std::string digits;
        int dp = 0;
        shortest_digits(v, digits, dp);
        const char lower = static_cast<char>(std::tolower(static_cast<unsigned char>(fmt)));
        if (lower == 'e') {
            return sign + exp_form(digits, dp, fmt);
        }
        if (lower == 'f') {
            return sign + fixed_form(digits, dp);
        }
        // 'g': exponent form outside [1e-4, 1e6), as strconv decides for
        // the shortest precision.
        const int exp = dp - 1;
        if (exp < -4 || exp >= 6) {
            return sign + exp_form(digits, dp, fmt == 'G' ? 'E' : 'e');
        }
        return sign + fixed_form(digits, dp);
    }
    char spec_buf[16];
    std::snprintf(spec_buf, sizeof spec_buf, "%%.%d%c", prec, fmt);
    const int n = std::snprintf(nullptr, 0, spec_buf, v);
    std::string s(static_cast<std::size_t>(n), '\0');
    std::snprintf(s.data(), s.size() + 1, spec_buf, v);
    return s;
}

std::string format_float32(float v, char fmt) {
    if (std::isnan(v)) {
        return "NaN";
    }
    if (std::isinf(v)) {
        return v > 0 ? "+Inf" : "-Inf";
    }
    std::string digits;
    int dp = 0;
    shortest_digits(v, digits, dp);
    const std::string sign = std::signbit(v) ? "-" : "";
    return sign + (fmt == 'e' ? exp_form(digits, dp, 'e') : fixed_form(digits, dp));
}

}  // namespace lokal::gofmt
