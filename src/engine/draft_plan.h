// The bookkeeping of draft-model speculative decoding (engine/draft_model.h)
// that needs no model, kept apart so that unit tests reach it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace lokal::engine {

// How a sequence holding `cached` reaches `target`: keep the common prefix,
// then evaluate the rest.
struct sync_plan {
    size_t keep = 0;
    std::vector<int32_t> add;
};
sync_plan plan_sync(const std::vector<int32_t> & cached, const std::vector<int32_t> & target);

// Mirrors a context shift (drop discard tokens after keep, move the rest
// down) on a token list that may be shorter or longer than the target's.
void shift_tokens(std::vector<int32_t> & tokens, size_t keep, size_t discard);

// The most likely token and, when want_p, its softmax probability (else 1).
struct top_token {
    int32_t id = -1;
    float p = 1;
};
top_token pick_top(const float * logits, int n_vocab, bool want_p);

}  // namespace lokal::engine
