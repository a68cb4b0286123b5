#include "engine/draft_plan.h"

#include "engine/prompt_cache.h"

#include <algorithm>
#include <cmath>

namespace lokal::engine {

sync_plan plan_sync(const std::vector<int32_t> & cached, const std::vector<int32_t> & target) {
    sync_plan p;
    p.keep = common_prefix(cached, target);
    p.add.assign(target.begin() + static_cast<std::ptrdiff_t>(p.keep), target.end());
    return p;
}

void shift_tokens(std::vector<int32_t> & tokens, size_t keep, size_t discard) {
    if (tokens.size() <= keep) return;
    const size_t end = std::min(tokens.size(), keep + discard);
    tokens.erase(tokens.begin() + static_cast<std::ptrdiff_t>(keep), tokens.begin() + static_cast<std::ptrdiff_t>(end));
}

top_token pick_top(const float * logits, int n_vocab, bool want_p) {
    top_token t;
    if (n_vocab <= 0) return t;
    const float * best = std::max_element(logits, logits + n_vocab);
    t.id = static_cast<int32_t>(best - logits);
    if (!want_p) return t;
    double sum = 0;
    for (int i = 0; i < n_vocab; ++i) sum += std::exp(static_cast<double>(logits[i] - *best));
    t.p = static_cast<float>(1.0 / sum);
    return t;
}

}  // namespace lokal::engine
