// Speculative decoding for the runner's slots: a guess at the tokens after a
// slot's next token goes into the same batch, and the model's own choice at
// each guessed position decides how much of it stays; the output never
// changes, only the number of decodes it takes. Guesses come from the
// model's DRAFT (engine/draft_model.h) or from prompt lookup
// (engine/ngram_draft.h, completion_request::ngram_draft).
// Inference thread only.
#pragma once

#include "engine/draft_model.h"
#include "engine/slot.h"

#include <llama.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace lokal::engine {

class speculator {
public:
    // draft: null when the model has no DRAFT. n_ctx: tokens per sequence;
    // n_batch: tokens per batch; n_ubatch: per micro-batch (llama_n_ubatch).
    speculator(std::unique_ptr<draft_model> draft, int n_ctx, int n_batch, int n_ubatch);

    uint64_t draft_bytes() const { return draft_bytes_; }

    // At a task's start: whether it drafts with the draft model.
    void begin(slot & s) const;

    // Before a batch is built: the draft model's guesses for the generating
    // slots, and its catch-up with the slots still reading their prompt.
    void propose(std::vector<slot> & slots);

    // After s's next token went into batch: appends its drafted tokens, at
    // most `room` of them, each with logits.
    void add(slot & s, llama_batch & batch, int room) const;

    // After the decode, for a slot with drafts in it: samples (through
    // sample_and_emit, which sets s.next or ends the task) at the next
    // token's position and then at each drafted one while the choice equals
    // the draft. Returns how many of s.cached hold confirmed tokens; the
    // caller drops the rejected tail from the KV cache.
    size_t verify(slot & s, const std::function<void(slot &)> & sample_and_emit) const;

    // The runner's context shift of a sequence, mirrored in the draft model.
    void shift(int seq, int keep, int discard);

    static void reset(slot & s) { s.spec = spec_state{}; }

private:
    int room(const slot & s, int want, int pending) const;

    std::unique_ptr<draft_model> draft_;
    uint64_t draft_bytes_ = 0;
    int n_ctx_ = 0;
    int n_batch_ = 1;
    int max_drafts_ = 0;  // per slot and step
};

}  // namespace lokal::engine
