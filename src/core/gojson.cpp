// UTF-8 decoding and encoding/json's string and float forms, as Go writes
// them.
#include "core/gojson.h"

#include <cmath>

namespace lokal::gofmt {

namespace {

void append_hex4(std::string & out, char32_t v) {
    static const char * digits = "0123456789abcdef";
    out += "\\u";
    for (int shift = 12; shift >= 0; shift -= 4) {
        out.push_back(digits[(v >> shift) & 0xf]);
    }
}

}  // namespace

std::size_t decode_utf8(std::string_view s, std::size_t i, char32_t & cp) {
    auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
    const unsigned char c = b(0);
    std::size_t len = 0;
    char32_t min = 0;
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
    for (std::size_t k = 1; k < len; ++k) {
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

void append_json_string(std::string & out, std::string_view s) {
    out.push_back('"');
    for (std::size_t i = 0; i < s.size();) {
        char32_t cp = 0;
        const std::size_t n = decode_utf8(s, i, cp);
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
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            case '<':
            case '>':
            case '&':
            case 0x2028:
            case 0x2029: append_hex4(out, cp); break;
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
}

namespace {

// strconv writes at least two exponent digits; encoding/json trims "e-07"
// to "e-7" (positive exponents here have two already).
void trim_exponent(std::string & s) {
    const std::size_t n = s.size();
    if (n >= 4 && s[n - 4] == 'e' && s[n - 3] == '-' && s[n - 2] == '0') {
        s.erase(n - 2, 1);
    }
}

}  // namespace

std::optional<std::string> json_float(double v) {
    if (!std::isfinite(v)) {
        return std::nullopt;
    }
    const double a = std::fabs(v);
    const bool exp = a != 0 && (a < 1e-6 || a >= 1e21);
    std::string s = format_float(v, exp ? 'e' : 'f', -1);
    if (exp) {
        trim_exponent(s);
    }
    return s;
}

std::optional<std::string> json_float32(float v) {
    if (!std::isfinite(v)) {
        return std::nullopt;
    }
    const float a = std::fabs(v);
    const bool exp = a != 0 && (a < 1e-6f || a >= 1e21f);
    std::string s = format_float32(v, exp ? 'e' : 'f');
    if (exp) {
        trim_exponent(s);
    }
    return s;
}

namespace {

void dump_to(std::string & out, const json & v) {
    switch (v.type()) {
        case json::value_t::object: {
            out += '{';
            bool first = true;
            for (const auto & [key, item] : v.items()) {
                if (!first) {
                    out += ',';
                }
                first = false;
                append_json_string(out, key);
                out += ':';
                dump_to(out, item);
            }
            out += '}';
            break;
        }
        case json::value_t::array: {
            out += '[';
            for (std::size_t i = 0; i < v.size(); ++i) {
                if (i) {
                    out += ',';
                }
                dump_to(out, v[i]);
            }
            out += ']';
            break;
        }
        case json::value_t::string:
            append_json_string(out, v.get_ref<const std::string &>());
            break;
        case json::value_t::number_float:
            out += json_float(v.get<double>()).value_or("null");
            break;
        default:
            out += v.dump();  // null, booleans, integers: the same in both
            break;
    }
}

}  // namespace

std::string dump_json(const json & v) {
    std::string out;
    dump_to(out, v);
    return out;
}

}  // namespace lokal::gofmt
