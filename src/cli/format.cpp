#include "cli/format.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace lokal::cli {

namespace {

std::string printf_string(const char * fmt, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, fmt, v);
    return buf;
}

// Go's humanDuration: coarse and friendly, rounding hours.
std::string human_duration(std::chrono::nanoseconds d) {
    using namespace std::chrono;
    const auto seconds = duration_cast<std::chrono::seconds>(d).count();
    if (seconds < 1) return "Less than a second";
    if (seconds == 1) return "1 second";
    if (seconds < 60) return std::to_string(seconds) + " seconds";

    const auto minutes = duration_cast<std::chrono::minutes>(d).count();
    if (minutes == 1) return "About a minute";
    if (minutes < 60) return std::to_string(minutes) + " minutes";

    const double exact_hours = duration<double, std::ratio<3600>>(d).count();
    const auto hours = static_cast<int64_t>(std::llround(exact_hours));
    if (hours == 1) return "About an hour";
    if (hours < 48) return std::to_string(hours) + " hours";
    if (hours < 24 * 7 * 2) return std::to_string(hours / 24) + " days";
    if (hours < 24 * 30 * 2) return std::to_string(hours / 24 / 7) + " weeks";
    if (hours < 24 * 365 * 2) return std::to_string(hours / 24 / 30) + " months";
    return std::to_string(static_cast<int64_t>(exact_hours) / 24 / 365) + " years";
}

// v / 10^prec with the fraction's trailing zeros dropped (Go's fmtFrac).
std::string fixed_fraction(uint64_t v, int prec) {
    uint64_t scale = 1;
    for (int i = 0; i < prec; ++i) scale *= 10;
    std::string out = std::to_string(v / scale);
    std::string frac = std::to_string(v % scale);
    frac.insert(0, static_cast<size_t>(prec) - frac.size(), '0');
    while (!frac.empty() && frac.back() == '0') frac.pop_back();
    if (!frac.empty()) out += "." + frac;
    return out;
}

int parse_digits(std::string_view s, size_t pos, size_t n, bool & ok) {
    int v = 0;
    if (pos + n > s.size()) {
        ok = false;
        return 0;
    }
    for (size_t i = pos; i < pos + n; ++i) {
        if (s[i] < '0' || s[i] > '9') {
            ok = false;
            return 0;
        }
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

// Decodes one UTF-8 code point at s[i]; advances i. Bad bytes count as one.
char32_t next_code_point(std::string_view s, size_t & i) {
    auto c = static_cast<unsigned char>(s[i]);
    int len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 1;
    if (i + len > s.size()) len = 1;
    char32_t cp = len == 1 ? c : len == 2 ? (c & 0x1f) : len == 3 ? (c & 0x0f) : (c & 0x07);
    for (int k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3f);
    i += len;
    return cp;
}

int code_point_width(char32_t cp) {
    if (cp == 0) return 0;
    if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return 0;
    if ((cp >= 0x0300 && cp <= 0x036f) || (cp >= 0x200b && cp <= 0x200f) || (cp >= 0xfe00 && cp <= 0xfe0f)) return 0;
    const bool wide = (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) ||
                      (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
                      (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
                      (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1f64f) ||
                      (cp >= 0x1f900 && cp <= 0x1f9ff) || (cp >= 0x20000 && cp <= 0x3fffd);
    return wide ? 2 : 1;
}

void pad_to(std::string & out, std::string_view cell, size_t width) {
    out += cell;
    size_t w = display_width(cell);
    if (w < width) out.append(width - w, ' ');
}

}  // namespace

std::string human_bytes(int64_t b) {
    constexpr double kb = 1000, mb = kb * 1000, gb = mb * 1000, tb = gb * 1000;
    double value;
    const char * unit;
    const auto v = static_cast<double>(b);
    if (v >= tb) {
        value = v / tb;
        unit = "TB";
    } else if (v >= gb) {
        value = v / gb;
        unit = "GB";
    } else if (v >= mb) {
        value = v / mb;
        unit = "MB";
    } else if (v >= kb) {
        value = v / kb;
        unit = "KB";
    } else {
        return std::to_string(b) + " B";
    }
    if (value >= 10 || value == std::trunc(value)) return std::to_string(static_cast<int64_t>(value)) + " " + unit;
    return printf_string("%.1f", value) + " " + unit;
}

std::string human_number(uint64_t n) {
    constexpr uint64_t thousand = 1000, million = thousand * 1000, billion = million * 1000;
    const auto v = static_cast<double>(n);
    if (n >= billion) {
        double x = v / billion;
        return printf_string(x == std::floor(x) ? "%.0fB" : "%.1fB", x);
    }
    if (n >= million) {
        double x = v / million;
        return printf_string(x == std::floor(x) ? "%.0fM" : "%.2fM", x);
    }
    if (n >= thousand) return printf_string("%.0fK", v / thousand);
    return std::to_string(n);
}

std::string human_time(std::optional<sys_time> t, sys_time now, std::string_view zero_value) {
    using namespace std::chrono;
    if (!t) return std::string(zero_value);
    const auto delta = duration_cast<nanoseconds>(now - *t);
    if (duration_cast<hours>(delta).count() / 24 / 365 < -20) return "Forever";
    if (delta.count() < 0) return human_duration(-delta) + " from now";
    return human_duration(delta) + " ago";
}

std::string go_duration(int64_t ns) {
    if (ns == 0) return "0s";
    const bool neg = ns < 0;
    const uint64_t u = neg ? static_cast<uint64_t>(-(ns + 1)) + 1 : static_cast<uint64_t>(ns);
    std::string out;
    if (u < 1000) {
        out = std::to_string(u) + "ns";
    } else if (u < 1000000) {
        out = fixed_fraction(u, 3) + "\xC2\xB5s";  // µs, as Go writes it
    } else if (u < 1000000000) {
        out = fixed_fraction(u, 6) + "ms";
    } else {
        constexpr uint64_t minute_ns = 60ull * 1000000000ull;
        out = fixed_fraction(u % minute_ns, 9) + "s";
        uint64_t minutes = u / minute_ns;
        if (minutes > 0) {
            out = std::to_string(minutes % 60) + "m" + out;
            if (minutes / 60 > 0) out = std::to_string(minutes / 60) + "h" + out;
        }
    }
    return neg ? "-" + out : out;
}

std::optional<sys_time> parse_rfc3339(std::string_view s) {
    using namespace std::chrono;
    bool ok = true;
    const int y = parse_digits(s, 0, 4, ok), mo = parse_digits(s, 5, 2, ok), d = parse_digits(s, 8, 2, ok);
    const int h = parse_digits(s, 11, 2, ok), mi = parse_digits(s, 14, 2, ok), sec = parse_digits(s, 17, 2, ok);
    if (!ok || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s[13] != ':' ||
        s[16] != ':' || y <= 1) {
        return std::nullopt;
    }
    size_t i = 19;
    int64_t frac_ns = 0;
    if (i < s.size() && s[i] == '.') {
        int64_t scale = 100000000;
        for (++i; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i, scale /= 10) frac_ns += (s[i] - '0') * scale;
    }
    int offset_minutes = 0;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
        const int oh = parse_digits(s, i + 1, 2, ok), om = parse_digits(s, i + 4, 2, ok);
        if (!ok) return std::nullopt;
        offset_minutes = (s[i] == '-' ? -1 : 1) * (oh * 60 + om);
    } else if (i >= s.size() || (s[i] != 'Z' && s[i] != 'z')) {
        return std::nullopt;
    }
    const year_month_day date{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
    if (!date.ok()) return std::nullopt;
    auto tp = sys_days{date} + hours{h} + minutes{mi} + seconds{sec} - minutes{offset_minutes};
    return time_point_cast<sys_time::duration>(tp + nanoseconds{frac_ns});
}

size_t display_width(std::string_view s) {
    size_t w = 0;
    for (size_t i = 0; i < s.size();) w += static_cast<size_t>(code_point_width(next_code_point(s, i)));
    return w;
}

std::vector<std::string> wrap_words(std::string_view text, size_t width) {
    std::vector<std::string> words;
    for (size_t i = 0; i < text.size();) {
        while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
        size_t b = i;
        while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
        if (i > b) words.emplace_back(text.substr(b, i - b));
    }
    std::vector<std::string> lines;
    std::string current;
    for (const auto & w : words) {
        if (!current.empty() && display_width(current) + 1 + display_width(w) > width) {
            lines.push_back(current);
            current.clear();
        }
        current += (current.empty() ? "" : " ") + w;
    }
    if (!current.empty() || lines.empty()) lines.push_back(current);
    return lines;
}

std::string render_table(const std::vector<std::string> & header, const std::vector<std::vector<std::string>> & rows,
                         size_t wrap_width) {
    size_t cols = header.size();
    for (const auto & r : rows) cols = std::max(cols, r.size());

    // Each row becomes one or more physical lines once long cells wrap.
    std::vector<std::vector<std::string>> lines;
    for (const auto & r : rows) {
        std::vector<std::vector<std::string>> cells(cols);
        size_t height = 1;
        for (size_t c = 0; c < cols; ++c) {
            std::string cell = c < r.size() ? r[c] : "";
            cells[c] = wrap_width > 0 && display_width(cell) > wrap_width ? wrap_words(cell, wrap_width)
                                                                          : std::vector<std::string>{cell};
            height = std::max(height, cells[c].size());
        }
        for (size_t h = 0; h < height; ++h) {
            std::vector<std::string> line(cols);
            for (size_t c = 0; c < cols; ++c) line[c] = h < cells[c].size() ? cells[c][h] : "";
            lines.push_back(std::move(line));
        }
    }

    std::vector<size_t> widths(cols, 0);
    for (size_t c = 0; c < header.size(); ++c) widths[c] = display_width(header[c]);
    for (const auto & l : lines) {
        for (size_t c = 0; c < cols; ++c) widths[c] = std::max(widths[c], display_width(l[c]));
    }
    std::string out;
    if (!header.empty()) {
        for (size_t c = 0; c < cols; ++c) {
            pad_to(out, c < header.size() ? header[c] : "", widths[c]);
            out += c + 1 == cols ? " " : "    ";
        }
        out += "\n";
    }
    for (const auto & l : lines) {
        for (size_t c = 0; c < cols; ++c) {
            pad_to(out, l[c], widths[c]);
            out += "    ";
        }
        out += "\n";
    }
    return out;
}

}  // namespace lokal::cli
