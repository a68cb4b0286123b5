#include "engine/logprobs.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace lokal::engine {

raw_logprobs log_softmax_top(const float * logits, int32_t n_vocab, int32_t chosen, int top_n) {
    raw_logprobs out;
    if (n_vocab <= 0) return out;
    const float max = *std::max_element(logits, logits + n_vocab);
    double sum = 0;
    for (int32_t i = 0; i < n_vocab; ++i) sum += std::exp(static_cast<double>(logits[i]) - max);
    const double log_z = static_cast<double>(max) + std::log(sum);
    auto lp = [&](int32_t t) { return static_cast<double>(logits[t]) - log_z; };
    out.chosen = chosen >= 0 && chosen < n_vocab ? lp(chosen) : -std::numeric_limits<double>::infinity();

    const int n = std::clamp(top_n, 0, static_cast<int>(n_vocab));
    if (n == 0) return out;
    std::vector<int32_t> ids(static_cast<size_t>(n_vocab));
    std::iota(ids.begin(), ids.end(), 0);
    std::partial_sort(ids.begin(), ids.begin() + n, ids.end(), [&](int32_t a, int32_t b) {
        return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
    });
    for (int i = 0; i < n; ++i) out.top.emplace_back(ids[static_cast<size_t>(i)], lp(ids[static_cast<size_t>(i)]));
    return out;
}

}  // namespace lokal::engine
