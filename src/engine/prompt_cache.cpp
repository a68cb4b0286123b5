#include "engine/prompt_cache.h"

#include <algorithm>

namespace lokal::engine {

size_t common_prefix(const std::vector<int32_t> & a, const std::vector<int32_t> & b) {
    const size_t n = std::min(a.size(), b.size());
    size_t i = 0;
    while (i < n && a[i] == b[i]) ++i;
    return i;
}

bool window_holds(int64_t pos_min, int64_t next_pos, int n_swa) {
    return n_swa <= 0 || pos_min <= std::max<int64_t>(0, next_pos - n_swa);
}

size_t usable_prefix(size_t common, size_t prompt_size, int32_t pos_min, int n_swa) {
    const size_t n = prompt_size == 0 ? 0 : std::min(common, prompt_size - 1);
    return n > 0 && !window_holds(pos_min, static_cast<int64_t>(n), n_swa) ? 0 : n;
}

void prompt_cache::put(saved_prompt p) {
    const uint64_t size = p.state.size();
    if (!enabled() || size == 0 || size > limit_) return;
    for (auto it = entries_.begin(); it != entries_.end();) {
        if (it->tokens.size() <= p.tokens.size() && common_prefix(it->tokens, p.tokens) == it->tokens.size()) {
            bytes_ -= it->state.size();
            it = entries_.erase(it);
        } else {
            ++it;
        }
    }
    while (!entries_.empty() && bytes_ + size > limit_) {
        bytes_ -= entries_.front().state.size();
        entries_.pop_front();
    }
    bytes_ += size;
    entries_.push_back(std::move(p));
}

std::optional<saved_prompt> prompt_cache::take(const std::vector<int32_t> & prompt, size_t better_than) {
    auto best = entries_.end();
    size_t best_len = better_than;
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
        size_t len = usable_prefix(common_prefix(it->tokens, prompt), prompt.size(), it->pos_min, n_swa_);
        if (len > best_len) {
            best = it;
            best_len = len;
        }
    }
    if (best == entries_.end()) return std::nullopt;
    saved_prompt out = std::move(*best);
    bytes_ -= out.state.size();
    entries_.erase(best);
    return out;
}

}  // namespace lokal::engine
