#include "engine/penalties.h"

namespace lokal::engine {

penalties::penalties(const penalty_params & p, int n_ctx)
    : last_n_(p.last_n < 0 ? n_ctx : p.last_n), repeat_(p.repeat), frequency_(p.frequency), presence_(p.presence) {
    // The settings that change nothing switch it off, as in llama.cpp.
    if (repeat_ == 1.0f && frequency_ == 0.0f && presence_ == 0.0f) last_n_ = 0;
}

void penalties::accept(int32_t token) {
    if (!active()) return;
    ++counts_[token];
    if (static_cast<int>(window_.size()) >= last_n_) {
        auto old = counts_.find(window_.front());
        if (--old->second == 0) counts_.erase(old);
        window_.pop_front();
    }
    window_.push_back(token);
}

std::vector<std::pair<int32_t, float>> penalties::apply(float * logits, int32_t n_vocab) const {
    std::vector<std::pair<int32_t, float>> saved;
    saved.reserve(counts_.size());
    for (const auto & [token, count] : counts_) {
        if (token < 0 || token >= n_vocab) continue;
        float & l = logits[token];
        saved.emplace_back(token, l);
        // Dividing a negative logit would make the token more likely:
        // llama.cpp multiplies those instead.
        l = l <= 0 ? l * repeat_ : l / repeat_;
        l -= static_cast<float>(count) * frequency_ + presence_;
    }
    return saved;
}

void penalties::restore(float * logits, const std::vector<std::pair<int32_t, float>> & saved) {
    for (const auto & [token, value] : saved) logits[token] = value;
}

}  // namespace lokal::engine
