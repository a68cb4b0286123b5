#include "template/text.h"

#include "core/gojson.h"

namespace lokal::tmpl {

char32_t decode_rune(std::string_view s, std::size_t i, std::size_t & width) {
    char32_t r = 0;
    const std::size_t n = gofmt::decode_utf8(s, i, r);
    width = n == 0 ? 1 : n;
    return n == 0 ? rune_error : r;
}

void append_utf8(std::string & out, char32_t r) {
    if (r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF)) {
        r = rune_error;
    }
    if (r < 0x80) {
        out.push_back(static_cast<char>(r));
    } else if (r < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (r >> 6)));
        out.push_back(static_cast<char>(0x80 | (r & 0x3F)));
    } else if (r < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (r >> 12)));
        out.push_back(static_cast<char>(0x80 | ((r >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (r & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (r >> 18)));
        out.push_back(static_cast<char>(0x80 | ((r >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((r >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (r & 0x3F)));
    }
}

std::size_t rune_count(std::string_view s) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < s.size(); ++n) {
        std::size_t w = 1;
        decode_rune(s, i, w);
        i += w;
    }
    return n;
}

bool is_print(char32_t r) {
    if (r < 0x20 || (r >= 0x7F && r < 0xA0)) {
        return false;
    }
    if (r == 0xAD || (r >= 0x200B && r <= 0x200F) || (r >= 0x2028 && r <= 0x202E) ||
        (r >= 0x2060 && r <= 0x206F) || r == 0xFEFF || (r >= 0xFFF9 && r <= 0xFFFB) ||
        (r >= 0xD800 && r <= 0xF8FF) || r >= 0xF0000 || r == 0xFFFE || r == 0xFFFF) {
        return false;
    }
    return r <= 0x10FFFF;
}

bool is_alnum_rune(char32_t r) {
    if (r < 0x80) {
        return r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9');
    }
    return r != rune_error && is_print(r) && r != 0xA0;
}

namespace {

const char hex_digits[] = "0123456789abcdef";

void append_escaped_rune(std::string & out, char32_t r, char quote, bool ascii_only) {
    if (r == static_cast<char32_t>(quote) || r == '\\') {
        out.push_back('\\');
        out.push_back(static_cast<char>(r));
        return;
    }
    if (is_print(r) && (!ascii_only || r < 0x80)) {
        append_utf8(out, r);
        return;
    }
    switch (r) {
    case '\a': out += "\\a"; return;
    case '\b': out += "\\b"; return;
    case '\f': out += "\\f"; return;
    case '\n': out += "\\n"; return;
    case '\r': out += "\\r"; return;
    case '\t': out += "\\t"; return;
    case '\v': out += "\\v"; return;
    default: break;
    }
    if (r < ' ' || r == 0x7F) {
        out += "\\x";
        out.push_back(hex_digits[(r >> 4) & 0xF]);
        out.push_back(hex_digits[r & 0xF]);
    } else if (r < 0x10000) {
        out += "\\u";
        for (int shift = 12; shift >= 0; shift -= 4) {
            out.push_back(hex_digits[(r >> shift) & 0xF]);
        }
    } else {
        out += "\\U";
        for (int shift = 28; shift >= 0; shift -= 4) {
            out.push_back(hex_digits[(r >> shift) & 0xF]);
        }
    }
}

}  // namespace

std::string go_quote(std::string_view s, bool ascii_only) {
    std::string out = "\"";
    for (std::size_t i = 0; i < s.size();) {
        std::size_t w = 1;
        char32_t r = decode_rune(s, i, w);
        if (r == rune_error && w == 1) {
            // Invalid bytes keep their value as \x escapes.
            const auto b = static_cast<unsigned char>(s[i]);
            out += "\\x";
            out.push_back(hex_digits[b >> 4]);
            out.push_back(hex_digits[b & 0xF]);
        } else {
            append_escaped_rune(out, r, '"', ascii_only);
        }
        i += w;
    }
    out.push_back('"');
    return out;
}

std::string go_quote_rune(char32_t r, bool ascii_only) {
    if (r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF)) {
        r = rune_error;
    }
    std::string out = "'";
    append_escaped_rune(out, r, '\'', ascii_only);
    out.push_back('\'');
    return out;
}

namespace {

int unhex(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

// One escape after a backslash at s[i] (s[i] is the escape letter).
bool unquote_escape(std::string_view s, std::size_t & i, char quote, std::string & out) {
    const char c = s[i++];
    switch (c) {
    case 'a': out.push_back('\a'); return true;
    case 'b': out.push_back('\b'); return true;
    case 'f': out.push_back('\f'); return true;
    case 'n': out.push_back('\n'); return true;
    case 'r': out.push_back('\r'); return true;
    case 't': out.push_back('\t'); return true;
    case 'v': out.push_back('\v'); return true;
    case '\\': out.push_back('\\'); return true;
    case '\'':
    case '"':
        if (c != quote) {
            return false;
        }
        out.push_back(c);
        return true;
    case 'x':
    case 'u':
    case 'U': {
        const std::size_t n = c == 'x' ? 2 : c == 'u' ? 4 : 8;
        if (i + n > s.size()) {
            return false;
        }
        char32_t v = 0;
        for (std::size_t k = 0; k < n; ++k) {
            const int h = unhex(s[i + k]);
            if (h < 0) {
                return false;
            }
            v = (v << 4) | static_cast<char32_t>(h);
        }
        i += n;
        if (c == 'x') {
            out.push_back(static_cast<char>(v));  // a raw byte, as Go keeps it
            return true;
        }
        if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
            return false;
        }
        append_utf8(out, v);
        return true;
    }
    default:
        if (c >= '0' && c <= '7') {
            if (i + 2 > s.size()) {
                return false;
            }
            int v = c - '0';
            for (int k = 0; k < 2; ++k) {
                const int d = s[i + k] - '0';
                if (d < 0 || d > 7) {
                    return false;
                }
                v = v * 8 + d;
            }
            i += 2;
            if (v > 255) {
                return false;
            }
            out.push_back(static_cast<char>(v));
            return true;
        }
        return false;
    }
}

}  // namespace

bool go_unquote(std::string_view lit, std::string & out) {
    out.clear();
    if (lit.size() < 2 || lit.front() != lit.back()) {
        return false;
    }
    const char quote = lit.front();
    std::string_view body = lit.substr(1, lit.size() - 2);
    if (quote == '`') {
        if (body.find('`') != std::string_view::npos) {
            return false;
        }
        for (char c : body) {
            if (c != '\r') {  // raw strings drop carriage returns
                out.push_back(c);
            }
        }
        return true;
    }
    if (quote != '"' && quote != '\'') {
        return false;
    }
    std::size_t runes = 0;
    for (std::size_t i = 0; i < body.size(); ++runes) {
        const char c = body[i];
        if (c == quote || c == '\n') {
            return false;
        }
        if (c == '\\') {
            if (++i >= body.size() || !unquote_escape(body, i, quote, out)) {
                return false;
            }
            continue;
        }
        std::size_t w = 1;
        append_utf8(out, decode_rune(body, i, w));  // invalid bytes become U+FFFD
        i += w;
    }
    return quote == '"' || runes == 1;
}

bool go_char_value(std::string_view lit, char32_t & r) {
    if (lit.size() < 3 || lit.front() != '\'' || lit.back() != '\'') {
        return false;
    }
    std::string_view body = lit.substr(1, lit.size() - 2);
    if (body[0] != '\\') {
        std::size_t w = 1;
        r = decode_rune(body, 0, w);
        return w == body.size() && !(r == rune_error && w == 1) && body[0] != '\n';
    }
    std::string out;
    std::size_t i = 1;
    if (body.size() < 2 || !unquote_escape(body, i, '\'', out) || i != body.size()) {
        return false;
    }
    const char e = body[1];
    if (e == 'x' || (e >= '0' && e <= '7')) {
        r = static_cast<unsigned char>(out[0]);  // byte escapes are values, not UTF-8
        return true;
    }
    std::size_t w = 1;
    r = decode_rune(out, 0, w);
    return true;
}

}  // namespace lokal::tmpl
