#include "template/named.h"

#include <algorithm>
#include <limits>
#include <string>
#include <vector>

namespace lokal::tmpl {

namespace {

// Go's []rune(s): each invalid byte becomes U+FFFD.
std::u32string code_points(std::string_view s) {
    std::u32string out;
    out.reserve(s.size());
    size_t i = 0;
    while (i < s.size()) {
        auto c = static_cast<unsigned char>(s[i]);
        size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
        char32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
        bool ok = len > 0 && i + len <= s.size();
        for (size_t k = 1; ok && k < len; ++k) {
            auto cc = static_cast<unsigned char>(s[i + k]);
            ok = (cc & 0xC0) == 0x80;
            cp = (cp << 6) | (cc & 0x3F);
        }
        // Overlong forms, surrogates and values past U+10FFFF are invalid too.
        static constexpr char32_t min_of[] = {0, 0, 0x80, 0x800, 0x10000};
        if (ok && (cp < min_of[len] || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)) ok = false;
        if (!ok) {
            out.push_back(U'\uFFFD');
            ++i;
            continue;
        }
        out.push_back(cp);
        i += len;
    }
    return out;
}

}  // namespace

std::size_t edit_distance_below(std::u32string_view a, std::u32string_view b, std::size_t bound) {
    if (a.size() < b.size()) std::swap(a, b);
    if (bound == 0 || a.size() - b.size() >= bound) return bound;
    // Only cells with |i - j| < bound can hold a value below bound.
    const size_t band = bound - 1;
    const size_t inf = bound;
    std::vector<size_t> prev(b.size() + 1, inf), cur(b.size() + 1, inf);
    for (size_t j = 0; j <= std::min(b.size(), band); ++j) prev[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        const size_t lo = i > band ? i - band : 0;
        const size_t hi = std::min(b.size(), i + band);
        if (lo > hi) return bound;
        std::fill(cur.begin() + static_cast<std::ptrdiff_t>(lo > 0 ? lo - 1 : 0),
                  cur.begin() + static_cast<std::ptrdiff_t>(hi + 1), inf);
        size_t best = inf;
        for (size_t j = lo; j <= hi; ++j) {
            size_t v;
            if (j == 0) {
                v = i;
            } else {
                v = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
            }
            cur[j] = std::min(v, inf);
            best = std::min(best, cur[j]);
        }
        if (best >= bound) return bound;  // every later row is at least this
        std::swap(prev, cur);
    }
    return std::min(prev[b.size()], inf);
}

const named_template * match_named(std::string_view jinja, std::span<const named_template> table) {
    constexpr size_t limit = 100;  // Ollama's cut-off
    const std::u32string s = code_points(jinja);
    const named_template * best = nullptr;
    size_t score = limit;
    for (const auto & t : table) {
        // Only a strictly smaller distance replaces the best, as in Ollama.
        size_t d = edit_distance_below(s, code_points(t.jinja), score);
        if (d < score) {
            score = d;
            best = &t;
        }
    }
    return best;
}

}  // namespace lokal::tmpl
