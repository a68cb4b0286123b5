#include "engine/ngram_draft.h"

#include <algorithm>

namespace lokal::engine {

std::vector<int32_t> lookup_draft(const std::vector<int32_t> & history, size_t max) {
    const size_t len = history.size();
    for (size_t n = 3; n >= 2 && max > 0; --n) {
        if (len <= n) continue;
        const auto tail = history.end() - static_cast<std::ptrdiff_t>(n);
        // Latest first: recent text predicts the next tokens best.
        for (size_t start = len - n; start-- > 0;) {
            if (!std::equal(tail, history.end(), history.begin() + static_cast<std::ptrdiff_t>(start))) continue;
            const size_t from = start + n;
            const size_t count = std::min(max, len - from);
            return {history.begin() + static_cast<std::ptrdiff_t>(from),
                    history.begin() + static_cast<std::ptrdiff_t>(from + count)};
        }
    }
    return {};
}

}  // namespace lokal::engine
