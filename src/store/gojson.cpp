#include "store/gojson.h"

#include "core/gojson.h"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace lokal::store {

namespace {

// Go's encoding/json float format; Go refuses NaN and infinities, which
// parsed JSON never holds.
std::string json_float(double v) {
    return gofmt::json_float(v).value_or("null");
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
    std::string out;
    gofmt::append_json_string(out, s);
    return out;
}

std::string go_json(const json & value, bool sort_keys) {
    std::string out;
    write_value(out, value, sort_keys);
    return out;
}

std::string go_format_float(double v) {
    return gofmt::format_float(v, 'g', -1);
}

std::string go_quote(std::string_view s) {
    static const char * hex = "0123456789abcdef";
    std::string out = "\"";
    for (size_t i = 0; i < s.size();) {
        char32_t cp = 0;
        size_t n = gofmt::decode_utf8(s, i, cp);
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
                    out += "\\u00";
                    out.push_back(hex[cp >> 4]);
                    out.push_back(hex[cp & 0xf]);
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
        char32_t cp = 0;
        size_t n = gofmt::decode_utf8(s, i, cp);
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
