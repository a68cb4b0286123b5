// Go's fmt verbs over template values. The structure mirrors fmt's printArg /
// printValue split: scalars are formatted with flags and padding, composites
// recurse with the same verb, and types with a String method print through it.
#include "template/gofmt.h"

#include "template/text.h"

#include <charconv>
#include <cmath>
#include <algorithm>
#include <cstdio>

namespace lokal::tmpl {

namespace {

struct spec {
    bool plus = false;
    bool minus = false;
    bool sharp = false;
    bool space = false;
    bool zero = false;
    bool plus_v = false;   // %+v
    bool sharp_v = false;  // %#v
    int width = -1;
    int prec = -1;
};

void pad(std::string & out, std::string_view s, const spec & f) {
    if (f.width < 0) {
        out += s;
        return;
    }
    const std::size_t n = rune_count(s);
    const std::size_t w = static_cast<std::size_t>(f.width);
    if (n >= w) {
        out += s;
        return;
    }
    if (f.minus) {
        out += s;
        out.append(w - n, ' ');
    } else {
        out.append(w - n, f.zero ? '0' : ' ');
        out += s;
    }
}

void print_value(std::string & out, const value & v, char32_t verb, const spec & f, int depth);

void bad_verb(std::string & out, const value & v, char32_t verb, const spec & f) {
    out += "%!";
    append_utf8(out, verb);
    out += '(';
    resolved r = resolve(v);
    if (r.kind == vkind::invalid || r.kind == vkind::nil) {
        out += "<nil>";
    } else {
        out += type_name(v);
        out += '=';
        print_value(out, v, 'v', f, 0);
    }
    out += ')';
}

void fmt_bool(std::string & out, bool b, char32_t verb, const value & v, const spec & f) {
    if (verb == 't' || verb == 'v') {
        pad(out, b ? "true" : "false", f);
    } else {
        bad_verb(out, v, verb, f);
    }
}

void fmt_integer(std::string & out, std::uint64_t mag, bool neg, int base, char32_t verb, const spec & f) {
    const bool upper = verb == 'X';
    std::string digits;
    if (mag == 0) {
        digits = "0";
    }
    for (std::uint64_t m = mag; m > 0; m /= static_cast<std::uint64_t>(base)) {
        const int d = static_cast<int>(m % static_cast<std::uint64_t>(base));
        digits.insert(digits.begin(), static_cast<char>(d < 10 ? '0' + d : (upper ? 'A' : 'a') + d - 10));
    }
    int prec = 0;
    spec g = f;
    if (f.prec >= 0) {
        prec = f.prec;
        if (prec == 0 && mag == 0) {
            g.zero = false;
            pad(out, "", g);
            return;
        }
    } else if (f.zero && !f.minus && f.width >= 0) {
        prec = f.width;
        if (neg || f.plus || f.space) {
            --prec;
        }
    }
    if (static_cast<int>(digits.size()) < prec) {
        digits.insert(0, static_cast<std::size_t>(prec) - digits.size(), '0');
    }
    const char * prefix = "";
    if (f.sharp) {
        if (base == 2) prefix = "0b";
        if (base == 8 && digits[0] != '0') prefix = "0";
        if (base == 16) prefix = upper ? "0X" : "0x";
    }
    if (verb == 'O') {
        prefix = "0o";
    }
    const char * sign = neg ? "-" : f.plus ? "+" : f.space ? " " : "";
    g.zero = false;  // zeros were added as precision above
    pad(out, std::string(sign) + prefix + digits, g);
}

void fmt_rune_verbs(std::string & out, std::uint64_t u, char32_t verb, const spec & f) {
    const char32_t r = u > 0x10FFFF ? rune_error : static_cast<char32_t>(u);
    std::string s;
    if (verb == 'c') {
        append_utf8(s, r);
    } else if (verb == 'q') {
        s = go_quote_rune(r, f.plus);
    } else {  // 'U'
        char buf[64];
        const int digits = f.prec > 4 ? std::min(f.prec, 40) : 4;
        std::snprintf(buf, sizeof buf, "U+%0*llX", digits, static_cast<unsigned long long>(u));
        s = buf;
        if (f.sharp && u <= 0x10FFFF && is_print(r)) {
            s += " '";
            append_utf8(s, r);
            s += "'";
        }
        spec g = f;
        g.zero = false;  // %U pads with spaces only
        pad(out, s, g);
        return;
    }
    pad(out, s, f);
}

void fmt_int_value(std::string & out, const value & v, bool is_unsigned, char32_t verb, const spec & f) {
    const json & j = v.j();
    std::uint64_t mag = 0;
    bool neg = false;
    if (is_unsigned) {
        mag = j.is_number_unsigned() ? j.get<std::uint64_t>() : static_cast<std::uint64_t>(j.get<std::int64_t>());
    } else {
        const std::int64_t i = j.is_number_float() ? static_cast<std::int64_t>(j.get<double>()) : j.get<std::int64_t>();
        neg = i < 0;
        mag = neg ? 0 - static_cast<std::uint64_t>(i) : static_cast<std::uint64_t>(i);
    }
    switch (verb) {
    case 'v':
        if (f.sharp_v && is_unsigned) {
            spec g = f;
            g.sharp = true;
            fmt_integer(out, mag, neg, 16, 'x', g);
            return;
        }
        fmt_integer(out, mag, neg, 10, verb, f);
        return;
    case 'd': fmt_integer(out, mag, neg, 10, verb, f); return;
    case 'b': fmt_integer(out, mag, neg, 2, verb, f); return;
    case 'o':
    case 'O': fmt_integer(out, mag, neg, 8, verb, f); return;
    case 'x':
    case 'X': fmt_integer(out, mag, neg, 16, verb, f); return;
    case 'c':
    case 'q':
    case 'U': fmt_rune_verbs(out, neg ? 0 - mag : mag, verb, f); return;
    default: bad_verb(out, v, verb, f); return;
    }
}

}  // namespace

namespace {

// fmt's '#' flag for floats: always a decimal point, and %g keeps its
// trailing zeros up to the precision.
void keep_decimal_point(std::string & num, char conv, int prec) {
    int digits = 0;
    if (conv == 'g' || conv == 'G' || conv == 'a' || conv == 'A') {
        digits = prec < 0 ? 6 : prec;
    }
    std::string tail;
    bool has_point = false;
    bool nonzero = false;
    for (std::size_t i = 1; i < num.size(); ++i) {
        const char c = num[i];
        if (c == '.') {
            has_point = true;
            continue;
        }
        if (c == 'p' || c == 'P' || ((c == 'e' || c == 'E') && conv != 'a' && conv != 'A')) {
            tail = num.substr(i);
            num.resize(i);
            break;
        }
        nonzero = nonzero || c != '0';
        if (nonzero) {
            --digits;
        }
    }
    if (!has_point) {
        if (num.size() == 2 && num[1] == '0') {
            --digits;
        }
        num += '.';
    }
    for (; digits > 0; --digits) {
        num += '0';
    }
    num += tail;
}

void fmt_float_value(std::string & out, double v, char32_t verb, const value & val, const spec & f) {
    char conv = 0;
    int prec = -1;
    switch (verb) {
    case 'v': conv = 'g'; break;
    case 'g': case 'G': conv = static_cast<char>(verb); break;
    case 'e': case 'E': case 'f': conv = static_cast<char>(verb); prec = 6; break;
    case 'F': conv = 'f'; prec = 6; break;
    case 'x': case 'X': conv = static_cast<char>(verb == 'x' ? 'a' : 'A'); break;
    case 'b': conv = 'b'; break;
    default: bad_verb(out, val, verb, f); return;
    }
    if (f.prec >= 0) {
        prec = f.prec;
    }
    std::string num = format_float(v, conv, prec);
    if (num[0] != '-' && num[0] != '+') {
        num.insert(num.begin(), '+');
    }
    if (f.sharp && conv != 'b' && num[1] != 'I' && num[1] != 'N') {
        keep_decimal_point(num, conv, prec);
    }
    if (f.space && num[0] == '+' && !f.plus) {
        num[0] = ' ';
    }
    spec g = f;
    if (num[1] == 'I' || num[1] == 'N') {
        // Infinities and NaN are never zero padded.
        g.zero = false;
        if (num[1] == 'N' && !f.space && !f.plus) {
            num.erase(0, 1);
        }
        pad(out, num, g);
        return;
    }
    if (f.plus || num[0] != '+') {
        if (f.zero && !f.minus && f.width > static_cast<int>(num.size())) {
            out += num[0];
            out.append(static_cast<std::size_t>(f.width) - num.size(), '0');
            out += num.substr(1);
            return;
        }
        pad(out, num, g);
        return;
    }
    pad(out, std::string_view(num).substr(1), g);
}

std::string truncate_runes(std::string_view s, int prec) {
    if (prec < 0) {
        return std::string(s);
    }
    std::size_t i = 0;
    for (int n = 0; n < prec && i < s.size(); ++n) {
        std::size_t w = 1;
        decode_rune(s, i, w);
        i += w;
    }
    return std::string(s.substr(0, i));
}

std::string hex_string(std::string_view s, bool upper, const spec & f) {
    const char * digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (f.space && i > 0) {
            out += ' ';
        }
        if (f.sharp && (f.space || i == 0)) {
            out += upper ? "0X" : "0x";
        }
        const auto b = static_cast<unsigned char>(s[i]);
        out += digits[b >> 4];
        out += digits[b & 0xF];
    }
    return out;
}

bool can_backquote(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        std::size_t w = 1;
        char32_t r = decode_rune(s, i, w);
        if (r == '`' || r == 0xFEFF || (r == rune_error && w == 1) || (r < ' ' && r != '\t') || r == 0x7F) {
            return false;
        }
        i += w;
    }
    return true;
}

void fmt_string(std::string & out, std::string_view s, char32_t verb, const value & v, const spec & f) {
    switch (verb) {
    case 'v':
        if (f.sharp_v) {
            pad(out, go_quote(truncate_runes(s, f.prec)), f);
            return;
        }
        [[fallthrough]];
    case 's': pad(out, truncate_runes(s, f.prec), f); return;
    case 'x':
    case 'X': {
        // The precision counts bytes of input here, not runes.
        std::string_view t = f.prec >= 0 && static_cast<std::size_t>(f.prec) < s.size() ? s.substr(0, static_cast<std::size_t>(f.prec)) : s;
        pad(out, hex_string(t, verb == 'X', f), f);
        return;
    }
    case 'q': {
        std::string t = truncate_runes(s, f.prec);
        if (f.sharp && can_backquote(t)) {
            pad(out, "`" + t + "`", f);
        } else {
            pad(out, go_quote(t, f.plus), f);
        }
        return;
    }
    default: bad_verb(out, v, verb, f); return;
    }
}

// Opens a map or slice: Go's %#v writes "T{" (or "T(nil)"), %v plain_open.
// Returns false when nothing follows (a nil value under %#v).
bool open_composite(std::string & out, const value & v, const spec & f, const char * plain_open) {
    if (!f.sharp_v) {
        out += plain_open;
        return true;
    }
    out += type_name(v);
    if (v.j().is_null()) {
        out += "(nil)";
        return false;
    }
    out += '{';
    return true;
}

void print_map(std::string & out, const value & v, char32_t verb, const spec & f, int depth) {
    if (!open_composite(out, v, f, "map[")) return;
    bool first = true;
    for (const auto & [k, e] : map_entries(v)) {
        if (!first) {
            out += f.sharp_v ? ", " : " ";
        }
        first = false;
        print_value(out, make_string(k), verb, f, depth + 1);
        out += ':';
        print_value(out, e, verb, f, depth + 1);
    }
    out += f.sharp_v ? '}' : ']';
}

void print_struct(std::string & out, const value & v, char32_t verb, const spec & f, int depth) {
    const go_type * t = resolve(v).type;
    if (f.sharp_v) {
        out += type_name(v);
    }
    out += '{';
    bool first = true;
    for (const auto & fd : t->fields) {
        if (!first) {
            out += f.sharp_v ? ", " : " ";
        }
        first = false;
        if (f.plus_v || f.sharp_v) {
            out += fd.name;
            out += ':';
        }
        auto it = v.j().find(fd.name);
        value fv = it != v.j().end() ? v.child(*it, fd.type) : zero_of(fd.type);
        print_value(out, fv, verb, f, depth + 1);
    }
    out += '}';
}

void print_slice(std::string & out, const value & v, char32_t verb, const spec & f, int depth) {
    if (!open_composite(out, v, f, "[")) return;
    const long long n = length_of(v);
    for (long long i = 0; i < n; ++i) {
        if (i > 0) {
            out += f.sharp_v ? ", " : " ";
        }
        print_value(out, slice_elem(v, static_cast<std::size_t>(i)), verb, f, depth + 1);
    }
    out += f.sharp_v ? '}' : ']';
}

void print_bytes(std::string & out, const value & v, char32_t verb, const spec & f) {
    static const std::string none;
    const std::string & s = v.j().is_string() ? v.j().get_ref<const std::string &>() : none;
    if (verb == 's' || verb == 'q' || verb == 'x' || verb == 'X') {
        fmt_string(out, s, verb, v, f);
        return;
    }
    out += f.sharp_v ? "[]byte{" : "[";
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (i > 0) {
            out += f.sharp_v ? ", " : " ";
        }
        const auto b = static_cast<unsigned char>(s[i]);
        spec g = f;
        g.sharp = f.sharp_v;
        fmt_integer(out, b, false, f.sharp_v ? 16 : 10, f.sharp_v ? 'x' : 'd', g);
    }
    out += f.sharp_v ? '}' : ']';
}

void print_value(std::string & out, const value & v, char32_t verb, const spec & f, int depth) {
    resolved r = resolve(v);
    if (r.kind == vkind::invalid || r.kind == vkind::nil) {
        if (depth > 0) {
            out += f.sharp_v ? "interface {}(nil)" : "<nil>";  // nested: written, not padded
        } else if (verb == 'v' || verb == 'T') {
            pad(out, "<nil>", f);
        } else {
            bad_verb(out, v, verb, f);
        }
        return;
    }
    if (verb == 'T') {
        pad(out, truncate_runes(type_name(v), f.prec), f);
        return;
    }
    if (!f.sharp_v && (verb == 'v' || verb == 's' || verb == 'x' || verb == 'X' || verb == 'q')) {
        if (std::optional<std::string> s = stringer_text(v)) {
            fmt_string(out, *s, verb, v, f);
            return;
        }
    }
    const json & j = v.j();
    switch (r.kind) {
    case vkind::boolean: fmt_bool(out, j.is_boolean() && j.get<bool>(), verb, v, f); return;
    case vkind::int_: fmt_int_value(out, v, false, verb, f); return;
    case vkind::uint_: fmt_int_value(out, v, true, verb, f); return;
    case vkind::float_: fmt_float_value(out, j.is_number() ? j.get<double>() : 0.0, verb, v, f); return;
    case vkind::string:
        fmt_string(out, j.is_string() ? std::string_view(j.get_ref<const std::string &>()) : "", verb, v, f);
        return;
    case vkind::bytes: print_bytes(out, v, verb, f); return;
    case vkind::map:
    case vkind::omap:
        if (r.kind == vkind::omap && j.is_null()) {
            pad(out, "<nil>", f);
            return;
        }
        print_map(out, v, verb, f, depth);
        return;
    case vkind::strukt: print_struct(out, v, verb, f, depth); return;
    case vkind::slice: print_slice(out, v, verb, f, depth); return;
    default: return;
    }
}

bool is_string_operand(const value & v) {
    return resolve(v).kind == vkind::string;
}

}  // namespace

std::optional<std::string> stringer_text(const value & v) {
    resolved r = resolve(v);
    if (r.kind == vkind::invalid || r.kind == vkind::nil) {
        return std::nullopt;
    }
    switch (r.type->stringer) {
    case gstringer::none: return std::nullopt;
    case gstringer::json: return go_json_marshal(v).value_or("");
    case gstringer::json_nil_as_object:
        if (v.j().is_null()) {
            return std::string("{}");
        }
        return go_json_marshal(v).value_or("");
    case gstringer::property_type: {
        const long long n = length_of(v);
        if (n == 0) {
            return std::string();
        }
        if (n == 1) {
            const json & e = slice_elem(v, 0).j();
            return e.is_string() ? e.get<std::string>() : std::string();
        }
        std::string out;
        spec f;
        print_slice(out, v, 'v', f, 1);
        return out;
    }
    }
    return std::nullopt;
}

void print_action_value(std::string & out, const value & v) {
    if (!v.valid() || resolve(v).kind == vkind::nil) {
        out += "<no value>";
        return;
    }
    print_value(out, v, 'v', spec{}, 0);
}

std::string go_sprint(const std::vector<value> & args) {
    std::string out;
    bool prev_string = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const bool is_string = is_string_operand(args[i]);
        if (i > 0 && !is_string && !prev_string) {
            out += ' ';
        }
        print_value(out, args[i], 'v', spec{}, 0);
        prev_string = is_string;
    }
    return out;
}

std::string go_sprintln(const std::vector<value> & args) {
    std::string out;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (i > 0) {
            out += ' ';
        }
        print_value(out, args[i], 'v', spec{}, 0);
    }
    out += '\n';
    return out;
}

namespace {

constexpr int max_fmt_number = 1'000'000;  // fmt refuses larger widths and precisions

// fmt's parsenum: a run of digits at format[i].
bool parse_num(std::string_view format, std::size_t & i, int & num) {
    num = 0;
    bool found = false;
    while (i < format.size() && format[i] >= '0' && format[i] <= '9') {
        if (num > max_fmt_number) {
            return false;  // Go gives up on absurd numbers; so do we
        }
        num = num * 10 + (format[i] - '0');
        found = true;
        ++i;
    }
    return found && num <= max_fmt_number;
}

struct printf_state {
    std::string_view format;
    const std::vector<value> & args;
    std::string & out;
    std::size_t i = 0;
    std::size_t arg = 0;
    bool reordered = false;
    bool good_arg = true;

    // "[n]" argument index; returns whether one was found.
    bool arg_number() {
        if (i >= format.size() || format[i] != '[') {
            return false;
        }
        reordered = true;
        std::size_t close = format.find(']', i + 1);
        if (close == std::string_view::npos || format.size() - i < 3) {
            ++i;
            good_arg = false;
            return false;
        }
        std::size_t j = i + 1;
        int n = 0;
        const bool ok = parse_num(format, j, n) && j == close;
        i = close + 1;
        if (ok && n >= 1 && static_cast<std::size_t>(n) <= args.size()) {
            arg = static_cast<std::size_t>(n - 1);
            return true;
        }
        good_arg = false;
        return ok;
    }

    // A '*' width or precision taken from the next argument.
    bool int_from_arg(int & num) {
        if (arg >= args.size()) {
            return false;
        }
        const value & a = args[arg++];
        resolved r = resolve(a);
        if (r.kind != vkind::int_ && r.kind != vkind::uint_) {
            return false;
        }
        const double d = a.j().get<double>();
        if (d > max_fmt_number || d < -max_fmt_number) {
            return false;
        }
        num = static_cast<int>(a.j().get<std::int64_t>());
        return true;
    }

    void flags(spec & f) {
        for (; i < format.size(); ++i) {
            switch (format[i]) {
            case '#': f.sharp = true; break;
            case '0': f.zero = !f.minus; break;
            case '+': f.plus = true; break;
            case '-': f.minus = true; f.zero = false; break;
            case ' ': f.space = true; break;
            default: return;
            }
        }
    }

    void width_and_precision(spec & f, bool & after_index) {
        if (i < format.size() && format[i] == '*') {
            ++i;
            if (!int_from_arg(f.width)) {
                f.width = -1;
                out += "%!(BADWIDTH)";
            } else if (f.width < 0) {
                f.width = -f.width;
                f.minus = true;
                f.zero = false;
            }
            after_index = false;
        } else {
            int w = 0;
            if (parse_num(format, i, w)) {
                f.width = w;
                if (after_index) {
                    good_arg = false;
                }
            }
        }
        if (i + 1 < format.size() && format[i] == '.') {
            ++i;
            if (after_index) {
                good_arg = false;
            }
            after_index = arg_number();
            if (i < format.size() && format[i] == '*') {
                ++i;
                if (!int_from_arg(f.prec) || f.prec < 0) {
                    f.prec = -1;  // Go treats a negative precision as missing
                    out += "%!(BADPREC)";
                }
                after_index = false;
            } else {
                int p = 0;
                f.prec = parse_num(format, i, p) ? p : 0;
            }
        }
    }

    // One directive after its '%'.
    void directive() {
        spec f;
        good_arg = true;
        flags(f);
        bool after_index = arg_number();
        width_and_precision(f, after_index);
        if (!after_index) {
            after_index = arg_number();
        }
        if (i >= format.size()) {
            out += "%!(NOVERB)";
            return;
        }
        std::size_t w = 1;
        const char32_t verb = decode_rune(format, i, w);
        i += w;
        if (verb == '%') {
            out += '%';
            return;
        }
        if (!good_arg) {
            out += "%!";
            append_utf8(out, verb);
            out += "(BADINDEX)";
            return;
        }
        if (arg >= args.size()) {
            out += "%!";
            append_utf8(out, verb);
            out += "(MISSING)";
            return;
        }
        if (verb == 'v') {
            f.sharp_v = f.sharp;
            f.sharp = false;
            f.plus_v = f.plus;
            f.plus = false;
        }
        print_value(out, args[arg++], verb, f, 0);
    }

    void run() {
        while (i < format.size()) {
            const std::size_t pct = format.find('%', i);
            if (pct == std::string_view::npos) {
                out += format.substr(i);
                break;
            }
            out += format.substr(i, pct - i);
            i = pct + 1;
            directive();
        }
        if (!reordered && arg < args.size()) {
            out += "%!(EXTRA ";
            for (std::size_t k = arg; k < args.size(); ++k) {
                if (k > arg) {
                    out += ", ";
                }
                resolved r = resolve(args[k]);
                if (r.kind == vkind::invalid || r.kind == vkind::nil) {
                    out += "<nil>";
                } else {
                    out += type_name(args[k]);
                    out += '=';
                    print_value(out, args[k], 'v', spec{}, 0);
                }
            }
            out += ')';
        }
    }
};

}  // namespace

std::string go_sprintf(std::string_view format, const std::vector<value> & args) {
    std::string out;
    printf_state st{format, args, out};
    st.run();
    return out;
}

}  // namespace lokal::tmpl
