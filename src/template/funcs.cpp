#include "template/funcs.h"

#include "template/gofmt.h"
#include "template/text.h"

#include <array>
#include <cctype>
#include <cstdio>
#include <ctime>

namespace lokal::tmpl {

namespace {

using pk = param_kind;

constexpr std::array<func_sig, 23> signatures{{
    {"and", 1, true, pk::value, pk::value, false},
    {"or", 1, true, pk::value, pk::value, false},
    {"not", 1, false, pk::value, pk::value, false},
    {"len", 1, false, pk::value, pk::value, false},
    {"index", 1, true, pk::value, pk::value, false},
    {"slice", 1, true, pk::value, pk::value, false},
    {"eq", 1, true, pk::value, pk::value, false},
    {"ne", 2, false, pk::value, pk::value, false},
    {"lt", 2, false, pk::value, pk::value, false},
    {"le", 2, false, pk::value, pk::value, false},
    {"gt", 2, false, pk::value, pk::value, false},
    {"ge", 2, false, pk::value, pk::value, false},
    {"print", 0, true, pk::any, pk::any, false},
    {"printf", 1, true, pk::string, pk::any, false},
    {"println", 0, true, pk::any, pk::any, false},
    {"html", 0, true, pk::any, pk::any, false},
    {"js", 0, true, pk::any, pk::any, false},
    {"urlquery", 0, true, pk::any, pk::any, false},
    {"call", 1, true, pk::value, pk::value, false},
    {"json", 1, false, pk::any, pk::any, true},
    {"currentDate", 0, true, pk::string, pk::string, true},
    {"yesterdayDate", 0, true, pk::string, pk::string, true},
    {"toTypeScriptType", 1, false, pk::any, pk::any, true},
}};

const go_type * uint8_type() {
    static const go_type t = [] {
        go_type u;
        u.kind = gkind::uint_;
        u.name = "uint8";
        return u;
    }();
    return &t;
}

// Go's indirectInterface: a nil interface becomes no value.
value indirect_interface(const value & v) {
    return resolve(v).kind == vkind::nil ? value() : v;
}

bool index_arg(const value & index, long long cap, long long & x, std::string & err) {
    resolved r = resolve(index);
    if (r.kind == vkind::int_ || r.kind == vkind::uint_) {
        x = index.j().is_number_unsigned() ? static_cast<long long>(index.j().get<unsigned long long>())
                                           : index.j().get<long long>();
    } else if (r.kind == vkind::invalid || r.kind == vkind::nil) {
        err = "cannot index slice/array with nil";
        return false;
    } else {
        err = "cannot index slice/array with type " + type_name(index);
        return false;
    }
    if (x < 0 || x > cap) {
        err = "index out of range: " + std::to_string(x);
        return false;
    }
    return true;
}

bool fn_index(const std::vector<value> & args, value & out, std::string & err) {
    value item = indirect_interface(args[0]);
    if (!item.valid()) {
        err = "index of untyped nil";
        return false;
    }
    for (std::size_t i = 1; i < args.size(); ++i) {
        value index = indirect_interface(args[i]);
        resolved r = resolve(item);
        if (r.kind == vkind::nil || (r.kind == vkind::omap && item.j().is_null())) {
            err = "index of nil pointer";
            return false;
        }
        if (r.kind == vkind::slice || r.kind == vkind::string || r.kind == vkind::bytes) {
            const long long n = length_of(item);
            long long x = 0;
            if (!index_arg(index, n, x, err)) {
                return false;
            }
            if (x == n) {
                err = r.kind == vkind::slice ? "reflect: slice index out of range" : "reflect: string index out of range";
                return false;
            }
            if (r.kind == vkind::slice) {
                item = slice_elem(item, static_cast<std::size_t>(x));
            } else {
                const auto b = static_cast<unsigned char>(item.j().get_ref<const std::string &>()[static_cast<std::size_t>(x)]);
                item = value::owned(static_cast<unsigned>(b), uint8_type());
            }
        } else if (r.kind == vkind::map) {
            resolved ri = resolve(index);
            if (ri.kind == vkind::invalid) {
                err = "value is nil; should be of type string";
                return false;
            }
            if (ri.kind != vkind::string) {
                err = "value has type " + type_name(index) + "; should be string";
                return false;
            }
            value e = map_get(item, index.j().get<std::string>());
            item = e.valid() ? e : zero_of(r.type->elem);
        } else {
            err = "can't index item of type " + type_name(item);
            return false;
        }
    }
    out = item;
    return true;
}

bool fn_slice(const std::vector<value> & args, value & out, std::string & err) {
    value item = indirect_interface(args[0]);
    if (!item.valid()) {
        err = "slice of untyped nil";
        return false;
    }
    resolved r = resolve(item);
    if (args.size() - 1 > 3) {
        err = "too many slice indexes: " + std::to_string(args.size() - 1);
        return false;
    }
    if (r.kind == vkind::string && args.size() - 1 == 3) {
        err = "cannot 3-index slice a string";
        return false;
    }
    if (r.kind != vkind::string && r.kind != vkind::slice && r.kind != vkind::bytes) {
        err = "can't slice item of type " + type_name(item);
        return false;
    }
    const long long cap = length_of(item);
    long long idx[3] = {0, cap, cap};
    for (std::size_t i = 1; i < args.size(); ++i) {
        if (!index_arg(indirect_interface(args[i]), cap, idx[i - 1], err)) {
            return false;
        }
    }
    if (idx[0] > idx[1]) {
        err = "invalid slice index: " + std::to_string(idx[0]) + " > " + std::to_string(idx[1]);
        return false;
    }
    if (args.size() - 1 == 3 && idx[1] > idx[2]) {
        err = "invalid slice index: " + std::to_string(idx[1]) + " > " + std::to_string(idx[2]);
        return false;
    }
    const auto lo = static_cast<std::size_t>(idx[0]);
    const auto hi = static_cast<std::size_t>(idx[1]);
    if (r.kind == vkind::slice) {
        out = item.sliced(lo, hi);
    } else {
        const std::string & s = item.j().get_ref<const std::string &>();
        out = value::owned(s.substr(lo, hi - lo), r.type);
    }
    return true;
}

bool fn_len(const value & item, value & out, std::string & err) {
    resolved r = resolve(item);
    if (r.kind == vkind::invalid) {
        err = "reflect: call of reflect.Value.Type on zero Value";
        return false;
    }
    if (r.kind == vkind::nil || (r.kind == vkind::omap && item.j().is_null())) {
        err = "len of nil pointer";
        return false;
    }
    const long long n = r.kind == vkind::omap ? -1 : length_of(item);
    if (n < 0) {
        err = "len of type " + type_name(item);
        return false;
    }
    out = make_int(n);
    return true;
}

enum class basic { invalid, boolean, integer, uinteger, floating, string };

basic basic_kind(const value & v) {
    switch (resolve(v).kind) {
    case vkind::boolean: return basic::boolean;
    case vkind::int_: return basic::integer;
    case vkind::uint_: return basic::uinteger;
    case vkind::float_: return basic::floating;
    case vkind::string: return basic::string;
    default: return basic::invalid;
    }
}

long long as_int(const value & v) { return v.j().is_number_float() ? static_cast<long long>(v.j().get<double>()) : v.j().get<long long>(); }
unsigned long long as_uint(const value & v) { return v.j().get<unsigned long long>(); }
double as_float(const value & v) { return v.j().get<double>(); }
const std::string & as_string(const value & v) { return v.j().get_ref<const std::string &>(); }

// Go's eq for two values of the same basic kind (or both non-basic).
bool equal_same_kind(basic k, const value & a, const value & b, bool & ok, std::string & err) {
    switch (k) {
    case basic::boolean: return a.j().get<bool>() == b.j().get<bool>();
    case basic::integer: return as_int(a) == as_int(b);
    case basic::uinteger: return as_uint(a) == as_uint(b);
    case basic::floating: return as_float(a) == as_float(b);
    case basic::string: return as_string(a) == as_string(b);
    case basic::invalid: break;
    }
    resolved ra = resolve(a);
    resolved rb = resolve(b);
    if (ra.kind != rb.kind && ra.kind != vkind::invalid && rb.kind != vkind::invalid) {
        ok = false;
        err = "non-comparable types " + go_sprintf("%s", {a}) + ": " + type_name(a) + ", " + type_name(b) + ": " +
              go_sprint({b});
        return false;
    }
    const bool nil_a = !a.valid() || ((ra.kind == vkind::slice || ra.kind == vkind::map || ra.kind == vkind::omap) && a.j().is_null() && !a.is_view());
    const bool nil_b = !b.valid() || ((rb.kind == vkind::slice || rb.kind == vkind::map || rb.kind == vkind::omap) && b.j().is_null() && !b.is_view());
    if (nil_a || nil_b) {
        return nil_a == nil_b;
    }
    if (rb.kind == vkind::omap) {
        return &a.j() == &b.j();  // pointers compare by identity
    }
    ok = false;
    err = "non-comparable type " + go_sprintf("%s", {b}) + ": " + type_name(b);
    return false;
}

bool fn_eq(const std::vector<value> & args, value & out, std::string & err) {
    if (args.size() < 2) {
        err = "missing argument for comparison";
        return false;
    }
    value a = indirect_interface(args[0]);
    const basic k1 = basic_kind(a);
    for (std::size_t i = 1; i < args.size(); ++i) {
        value b = indirect_interface(args[i]);
        const basic k2 = basic_kind(b);
        bool truth = false;
        bool ok = true;
        if (k1 != k2) {
            if (k1 == basic::integer && k2 == basic::uinteger) {
                truth = as_int(a) >= 0 && static_cast<unsigned long long>(as_int(a)) == as_uint(b);
            } else if (k1 == basic::uinteger && k2 == basic::integer) {
                truth = as_int(b) >= 0 && as_uint(a) == static_cast<unsigned long long>(as_int(b));
            } else if (a.valid() && b.valid()) {
                err = "incompatible types for comparison: " + type_name(a) + " and " + type_name(b);
                return false;
            }
        } else {
            truth = equal_same_kind(k1, a, b, ok, err);
            if (!ok) {
                return false;
            }
        }
        if (truth) {
            out = make_bool(true);
            return true;
        }
    }
    out = make_bool(false);
    return true;
}

bool fn_lt(const value & a0, const value & b0, bool & truth, std::string & err) {
    value a = indirect_interface(a0);
    value b = indirect_interface(b0);
    const basic k1 = basic_kind(a);
    const basic k2 = basic_kind(b);
    if (k1 == basic::invalid || k2 == basic::invalid) {
        err = "invalid type for comparison";
        return false;
    }
    if (k1 != k2) {
        if (k1 == basic::integer && k2 == basic::uinteger) {
            truth = as_int(a) < 0 || static_cast<unsigned long long>(as_int(a)) < as_uint(b);
        } else if (k1 == basic::uinteger && k2 == basic::integer) {
            truth = as_int(b) >= 0 && as_uint(a) < static_cast<unsigned long long>(as_int(b));
        } else {
            err = "incompatible types for comparison: " + type_name(a) + " and " + type_name(b);
            return false;
        }
        return true;
    }
    switch (k1) {
    case basic::boolean: err = "invalid type for comparison"; return false;
    case basic::integer: truth = as_int(a) < as_int(b); return true;
    case basic::uinteger: truth = as_uint(a) < as_uint(b); return true;
    case basic::floating: truth = as_float(a) < as_float(b); return true;
    case basic::string: truth = as_string(a) < as_string(b); return true;
    default: return false;
    }
}

bool fn_compare(std::string_view name, const std::vector<value> & args, value & out, std::string & err) {
    bool truth = false;
    if (name == "ne") {
        if (!fn_eq(args, out, err)) {
            return false;
        }
        out = make_bool(!out.j().get<bool>());
        return true;
    }
    if (!fn_lt(args[0], args[1], truth, err)) {
        return false;
    }
    if (name == "le" || name == "gt") {
        if (!truth) {
            value eq;
            if (!fn_eq(args, eq, err)) {
                return false;
            }
            truth = eq.j().get<bool>();
        }
        out = make_bool(name == "le" ? truth : !truth);
        return true;
    }
    out = make_bool(name == "lt" ? truth : !truth);  // "ge" is !lt
    return true;
}

// Go's evalArgs for html/js/urlquery: one string is used as is; otherwise
// the arguments print as Sprint would, nil ones as "<no value>".
std::string eval_args(const std::vector<value> & args) {
    if (args.size() == 1 && resolve(args[0]).kind == vkind::string) {
        return as_string(args[0]);
    }
    std::vector<value> printable;
    printable.reserve(args.size());
    for (const auto & a : args) {
        vkind k = resolve(a).kind;
        printable.push_back(k == vkind::invalid || k == vkind::nil ? make_string("<no value>") : a);
    }
    return go_sprint(printable);
}

std::string html_escape(std::string_view s) {
    std::string out;
    for (char c : s) {
        switch (c) {
        case '\0': out += "\xEF\xBF\xBD"; break;
        case '"': out += "&#34;"; break;
        case '\'': out += "&#39;"; break;
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        default: out += c;
        }
    }
    return out;
}

std::string js_escape(std::string_view s) {
    static const char * hex = "0123456789ABCDEF";
    std::string out;
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            switch (c) {
            case '\\': out += "\\\\"; break;
            case '\'': out += "\\'"; break;
            case '"': out += "\\\""; break;
            case '<': out += "\\u003C"; break;
            case '>': out += "\\u003E"; break;
            case '&': out += "\\u0026"; break;
            case '=': out += "\\u003D"; break;
            default:
                if (c < ' ') {
                    out += "\\u00";
                    out += hex[c >> 4];
                    out += hex[c & 0xF];
                } else {
                    out += static_cast<char>(c);
                }
            }
            ++i;
            continue;
        }
        std::size_t w = 1;
        const char32_t r = decode_rune(s, i, w);
        if (is_print(r)) {
            out.append(s.substr(i, w));
        } else {
            char buf[16];
            std::snprintf(buf, sizeof buf, "\\u%04X", static_cast<unsigned>(r));
            out += buf;
        }
        i += w;
    }
    return out;
}

std::string url_query_escape(std::string_view s) {
    static const char * hex = "0123456789ABCDEF";
    std::string out;
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += ch;
        } else if (c == ' ') {
            out += '+';
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 0xF];
        }
    }
    return out;
}

// Today (or yesterday) in local time, as Go's time.Now().Format("2006-01-02").
std::string local_date(int days_back) {
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    localtime_r(&now, &tm);
    tm.tm_mday -= days_back;
    tm.tm_isdst = -1;
    std::mktime(&tm);  // normalises the day of month
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    return buf;
}

std::string ts_for_json_type(std::string_view t) {
    if (t == "string") return "string";
    if (t == "number" || t == "integer") return "number";
    if (t == "boolean") return "boolean";
    if (t == "array") return "any[]";
    if (t == "object") return "Record<string, any>";
    if (t == "null") return "null";
    return "any";
}

std::string join(const std::vector<std::string> & parts, std::string_view sep) {
    std::string out;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (i > 0) {
            out += sep;
        }
        out += parts[i];
    }
    return out;
}

std::string typescript_of(const json & prop, int depth) {
    if (!prop.is_object() || depth > 64) {
        return "any";
    }
    std::vector<std::string> parts;
    if (auto it = prop.find("AnyOf"); it != prop.end() && it->is_array() && !it->empty()) {
        for (const auto & a : *it) {
            parts.push_back(typescript_of(a, depth + 1));
        }
        return join(parts, " | ");
    }
    auto it = prop.find("Type");
    if (it == prop.end() || !it->is_array() || it->empty()) {
        return "any";
    }
    for (const auto & t : *it) {
        parts.push_back(ts_for_json_type(t.is_string() ? t.get_ref<const std::string &>() : ""));
    }
    return join(parts, " | ");
}

bool call_value_function(std::string_view name, const std::vector<value> & args, value & out, std::string & err) {
    if (name == "index") return fn_index(args, out, err);
    if (name == "slice") return fn_slice(args, out, err);
    if (name == "len") return fn_len(args[0], out, err);
    if (name == "eq") return fn_eq(args, out, err);
    if (name == "not") {
        out = make_bool(!truth(indirect_interface(args[0])));
        return true;
    }
    return fn_compare(name, args, out, err);
}

}  // namespace

std::string typescript_type(const value & property) {
    return typescript_of(property.j(), 0);
}

bool call_function(const func_sig & f, const std::vector<value> & args, value & out, std::string & err) {
    const std::string_view n = f.name;
    if (n == "print") {
        out = make_string(go_sprint(args));
    } else if (n == "println") {
        out = make_string(go_sprintln(args));
    } else if (n == "printf") {
        std::vector<value> rest(args.begin() + 1, args.end());
        out = make_string(go_sprintf(as_string(args[0]), rest));
    } else if (n == "html") {
        out = make_string(html_escape(eval_args(args)));
    } else if (n == "js") {
        out = make_string(js_escape(eval_args(args)));
    } else if (n == "urlquery") {
        out = make_string(url_query_escape(eval_args(args)));
    } else if (n == "json") {
        out = make_string(go_json_marshal(args[0]).value_or(""));
    } else if (n == "currentDate" || n == "yesterdayDate") {
        out = make_string(local_date(n == "currentDate" ? 0 : 1));
    } else if (n == "toTypeScriptType") {
        resolved r = resolve(args[0]);
        const bool is_prop = r.kind == vkind::strukt && r.type->tool_property;
        out = make_string(is_prop ? typescript_type(args[0]) : "any");
    } else {
        return call_value_function(n, args, out, err);
    }
    return true;
}

bool is_function(std::string_view name) { return find_function(name, true) != nullptr; }

const func_sig * find_function(std::string_view name, bool ollama_funcs) {
    for (const auto & f : signatures) {
        if (f.name == name && (ollama_funcs || !f.ollama)) {
            return &f;
        }
    }
    return nullptr;
}

}  // namespace lokal::tmpl
