// encoding/json's Marshal over template values: compact, map keys sorted,
// struct fields in declaration order under their json tags, HTML-sensitive
// characters escaped, numbers in Go's float format.
#include "core/gojson.h"
#include "template/gofmt.h"

namespace lokal::tmpl {

namespace {

void append_json_string(std::string & out, std::string_view s) {
    gofmt::append_json_string(out, s);
}

bool append_json_float(std::string & out, double f) {
    auto s = gofmt::json_float(f);
    if (!s) {
        return false;
    }
    out += *s;
    return true;
}

void append_base64(std::string & out, std::string_view s) {
    static const char * table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    out += '"';
    std::size_t i = 0;
    for (; i + 2 < s.size(); i += 3) {
        const unsigned v = (static_cast<unsigned char>(s[i]) << 16) | (static_cast<unsigned char>(s[i + 1]) << 8) |
                           static_cast<unsigned char>(s[i + 2]);
        out += table[(v >> 18) & 63];
        out += table[(v >> 12) & 63];
        out += table[(v >> 6) & 63];
        out += table[v & 63];
    }
    if (i < s.size()) {
        unsigned v = static_cast<unsigned char>(s[i]) << 16;
        if (i + 1 < s.size()) {
            v |= static_cast<unsigned char>(s[i + 1]) << 8;
        }
        out += table[(v >> 18) & 63];
        out += table[(v >> 12) & 63];
        out += i + 1 < s.size() ? table[(v >> 6) & 63] : '=';
        out += '=';
    }
    out += '"';
}

// encoding/json's isEmptyValue, for omitempty.
bool is_empty(const value & v) {
    resolved r = resolve(v);
    switch (r.kind) {
    case vkind::invalid:
    case vkind::nil: return true;
    case vkind::boolean: return !v.j().get<bool>();
    case vkind::int_:
    case vkind::uint_:
    case vkind::float_: return v.j().get<double>() == 0;
    case vkind::strukt: return false;
    case vkind::omap: return v.j().is_null();
    default: return length_of(v) == 0;
    }
}

bool marshal(std::string & out, const value & v, int depth);

bool marshal_object(std::string & out, const value & v, int depth) {
    out += '{';
    bool first = true;
    for (const auto & [k, e] : map_entries(v)) {
        if (!first) {
            out += ',';
        }
        first = false;
        append_json_string(out, k);
        out += ':';
        if (!marshal(out, e, depth + 1)) {
            return false;
        }
    }
    out += '}';
    return true;
}

bool marshal_struct(std::string & out, const value & v, int depth) {
    const go_type * t = resolve(v).type;
    out += '{';
    bool first = true;
    for (const auto & fd : t->fields) {
        auto it = v.j().find(fd.name);
        value fv = it != v.j().end() ? v.child(*it, fd.type) : zero_of(fd.type);
        if (fd.omitempty && is_empty(fv)) {
            continue;
        }
        if (!first) {
            out += ',';
        }
        first = false;
        append_json_string(out, fd.json_name);
        out += ':';
        if (!marshal(out, fv, depth + 1)) {
            return false;
        }
    }
    out += '}';
    return true;
}

bool marshal(std::string & out, const value & v, int depth) {
    if (depth > 1000) {
        return false;  // Go stops cyclic values the same way
    }
    resolved r = resolve(v);
    static const json null_node;  // an immutable null, not a copy of the data
    const json & j = v.valid() ? v.j() : null_node;
    switch (r.kind) {
    case vkind::invalid:
    case vkind::nil: out += "null"; return true;
    case vkind::boolean: out += j.get<bool>() ? "true" : "false"; return true;
    case vkind::int_: out += std::to_string(j.is_number_float() ? static_cast<long long>(j.get<double>()) : j.get<long long>()); return true;
    case vkind::uint_: out += std::to_string(j.get<unsigned long long>()); return true;
    case vkind::float_: return append_json_float(out, j.get<double>());
    case vkind::string: append_json_string(out, j.get_ref<const std::string &>()); return true;
    case vkind::bytes:
        if (j.is_null()) {
            out += "null";
        } else {
            append_base64(out, j.get_ref<const std::string &>());
        }
        return true;
    case vkind::strukt: return marshal_struct(out, v, depth);
    case vkind::map:
    case vkind::omap:
        if (j.is_null()) {
            out += "null";
            return true;
        }
        return marshal_object(out, v, depth);
    case vkind::slice: {
        if (j.is_null()) {
            out += "null";
            return true;
        }
        const auto n = static_cast<std::size_t>(length_of(v));
        if (r.type->property_type && n == 1) {
            return marshal(out, slice_elem(v, 0), depth + 1);
        }
        out += '[';
        for (std::size_t i = 0; i < n; ++i) {
            if (i > 0) {
                out += ',';
            }
            if (!marshal(out, slice_elem(v, i), depth + 1)) {
                return false;
            }
        }
        out += ']';
        return true;
    }
    }
    return false;
}

}  // namespace

std::optional<std::string> go_json_marshal(const value & v) {
    std::string out;
    if (!marshal(out, v, 0)) {
        return std::nullopt;
    }
    return out;
}

}  // namespace lokal::tmpl
