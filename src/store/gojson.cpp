#include "store/gojson.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <vector>

namespace lokal::store {

namespace {

// Decodes one UTF-8 sequence at s[i]; returns its length, or 0 when invalid.
size_t utf8_seq(std::string_view s, size_t i, uint32_t & cp) {
    auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
    unsigned char c = b(0);
    size_t len = 0;
    uint32_t min = 0;
    if (c < 0x80) {
        cp = c;
        return 1;
    } else if ((c & 0xe0) == 0xc0) {
        len = 2, cp = c & 0x1f, min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
        len = 3, cp = c & 0x0f, min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
        len = 4, cp = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (i + len > s.size()) {
        return 0;
    }
    for (size_t k = 1; k < len; ++k) {
        if ((b(k) & 0xc0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (b(k) & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        return 0;
    }
    return len;
}

void append_hex4(std::string & out, uint32_t v) {
    static const char * digits = "0123456789abcdef";
    out += "\\u";
    for (int shift = 12; shift >= 0; shift -= 4) {
        out.push_back(digits[(v >> shift) & 0xf]);
    }
}

// Shortest round-trip digits of |v| and the decimal exponent of the first
// digit (v = 0.d1d2d3... * 10^(exp+1)).
void shortest_digits(double v, std::string & digits, int & exp) {
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, std::fabs(v), std::chars_format::scientific);
    std::string_view s(buf, static_cast<size_t>(r.ptr - buf));
    size_t e = s.find('e');
    digits.clear();
    for (char c : s.substr(0, e)) {
        if (c != '.') {
            digits.push_back(c);
        }
    }
    exp = 0;
    std::from_chars(s.data() + e + 1 + (s[e + 1] == '+' ? 1 : 0), s.data() + s.size(), exp);
    while (digits.size() > 1 && digits.back() == '0') {
        digits.pop_back();
    }
}

std::string fixed_from_digits(const std::string & digits, int exp) {
    std::string out;
    if (exp < 0) {
        out = "0." + std::string(static_cast<size_t>(-exp - 1), '0') + digits;
    } else if (static_cast<size_t>(exp) + 1 >= digits.size()) {
        out = digits + std::string(static_cast<size_t>(exp) + 1 - digits.size(), '0');
    } else {
        out = digits.substr(0, static_cast<size_t>(exp) + 1) + "." + digits.substr(static_cast<size_t>(exp) + 1);
    }
    return out;
}

std::string exp_from_digits(const std::string & digits, int exp, int min_exp_digits) {
    std::string out = digits.substr(0, 1);
    if (digits.size() > 1) {
        out += "." + digits.substr(1);
    }
    out += exp < 0 ? "e-" : "e+";
    std::string e = std::to_string(exp < 0 ? -exp : exp);
    if (static_cast<int>(e.size()) < min_exp_digits) {
        e.insert(0, static_cast<size_t>(min_exp_digits) - e.size(), '0');
    }
    return out + e;
}

// Go's encoding/json float format.
std::string json_float(double v) {
    if (!std::isfinite(v)) {
        return "null";  // Go refuses; we never produce these from parsed JSON
    }
    if (v == 0) {
        return std::signbit(v) ? "-0" : "0";
    }
    std::string digits;
    int exp = 0;
    shortest_digits(v, digits, exp);
    double a = std::fabs(v);
    std::string body = (a < 1e-6 || a >= 1e21) ? exp_from_digits(digits, exp, 1) : fixed_from_digits(digits, exp);
    return (v < 0 ? "-" : "") + body;
}

void write_value(std::string & out, const json & v, bool sort_keys);

void write_object(std::string & out, const json & v, bool sort_keys) {
    std::vector<std::pair<std::string, const json *>> items;
    for (auto it = v.begin(); it != v.end(); ++it) {
        items.emplace_back(it.key(), &it.value());
    }
    if (sort_keys) {
        std::sort(items.begin(), items.end(), [](const auto & a, const auto & b) { return a.first < b.first; });
    }
    out.push_back('{');
    for (size_t i = 0; i < items.size(); ++i) {
        if (i > 0) {
            out.push_back(',');
        }
        out += go_json_string(items[i].first);
        out.push_back(':');
        write_value(out, *items[i].second, sort_keys);
    }
    out.push_back('}');
}

void write_value(std::string & out, const json & v, bool sort_keys) {
    switch (v.type()) {
        case json::value_t::object: write_object(out, v, sort_keys); break;
        case json::value_t::array:
            out.push_back('[');
            for (size_t i = 0; i < v.size(); ++i) {
                if (i > 0) {
                    out.push_back(',');
                }
                write_value(out, v[i], sort_keys);
            }
            out.push_back(']');
            break;
        case json::value_t::string: out += go_json_string(v.get_ref<const std::string &>()); break;
        case json::value_t::number_float: out += json_float(v.get<double>()); break;
        case json::value_t::number_integer: out += std::to_string(v.get<int64_t>()); break;
        case json::value_t::number_unsigned: out += std::to_string(v.get<uint64_t>()); break;
        case json::value_t::boolean: out += v.get<bool>() ? "true" : "false"; break;
        default: out += "null"; break;
    }
}

}  // namespace

std::string go_json_string(std::string_view s) {
    std::string out = "\"";
    for (size_t i = 0; i < s.size();) {
        uint32_t cp = 0;
        size_t n = utf8_seq(s, i, cp);
        if (n == 0) {
            out += "\\ufffd";
            ++i;
            continue;
        }
        switch (cp) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            case '<': case '>': case '&': case 0x2028: case 0x2029: append_hex4(out, cp); break;
            default:
                if (cp < 0x20) {
                    append_hex4(out, cp);
                } else {
                    out.append(s.substr(i, n));
                }
        }
        i += n;
    }
    out.push_back('"');
    return out;
}

std::string go_json(const json & value, bool sort_keys) {
    std::string out;
    write_value(out, value, sort_keys);
    return out;
}

std::string go_format_float(double v) {
    if (std::isnan(v)) {
        return "NaN";
    }
    if (std::isinf(v)) {
        return v > 0 ? "+Inf" : "-Inf";
    }
    if (v == 0) {
        return std::signbit(v) ? "-0" : "0";
    }
    std::string digits;
    int exp = 0;
    shortest_digits(v, digits, exp);
    std::string body = (exp < -4 || exp >= 6) ? exp_from_digits(digits, exp, 2) : fixed_from_digits(digits, exp);
    return (v < 0 ? "-" : "") + body;
}

std::string go_quote(std::string_view s) {
    static const char * hex = "0123456789abcdef";
    std::string out = "\"";
    for (size_t i = 0; i < s.size();) {
        uint32_t cp = 0;
        size_t n = utf8_seq(s, i, cp);
        if (n == 0) {
            unsigned char c = static_cast<unsigned char>(s[i]);
            out += "\\x";
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 0xf]);
            ++i;
            continue;
        }
        switch (cp) {
            case '\a': out += "\\a"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            case '\v': out += "\\v"; break;
            case '\\': out += "\\\\"; break;
            case '"': out += "\\\""; break;
            default:
                if (cp < 0x20 || cp == 0x7f) {
                    out += "\\x";
                    out.push_back(hex[cp >> 4]);
                    out.push_back(hex[cp & 0xf]);
                } else if (cp >= 0x80 && cp < 0xa0) {
                    append_hex4(out, cp);
                } else {
                    out.append(s.substr(i, n));
                }
        }
        i += n;
    }
    out.push_back('"');
    return out;
}

std::string valid_utf8(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size();) {
        uint32_t cp = 0;
        size_t n = utf8_seq(s, i, cp);
        if (n == 0) {
            out += "\xef\xbf\xbd";
            ++i;
        } else {
            out.append(s.substr(i, n));
            i += n;
        }
    }
    return out;
}

}  // namespace lokal::store
