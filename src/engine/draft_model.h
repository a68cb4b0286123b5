// Speculative decoding with a draft model (a model's DRAFT layer): a small
// model with the same vocabulary guesses the next few tokens greedily, and
// the runner lets the real model check the guesses in its next batch (the
// same verification as prompt lookup, so the output never changes).
//
// The draft model has its own llama_context with one sequence per slot. Its
// sequence follows the slot's tokens lazily: before drafting, the draft
// drops what differs from the slot's history (rejected drafts, a new
// prompt) and evaluates what it lacks, for all slots in shared batches.
// Used only by the runner's inference thread.
#pragma once

#include "core/result.h"
#include "engine/draft_plan.h"
#include "engine/runner.h"

#include <llama-cpp.h>
#include <llama.h>

#include <cstdint>
#include <memory>
#include <vector>

namespace lokal::engine {

class llama_model_handle;

// What one slot asks of a drafting step.
struct draft_job {
    int seq = 0;                                  // the slot's sequence
    const std::vector<llama_token> * history = nullptr;  // tokens in the slot's KV cache
    llama_token last = -1;                        // sampled, not yet decoded; -1: only catch up
    int max = 0;                                  // most tokens to draft (llama-server's --spec-draft-n-max)
    int min = 0;                                  // fewer than this: no draft (--spec-draft-n-min)
    float p_min = 0;                              // stop below this top-token probability (--spec-draft-p-min)
    std::vector<llama_token> result;              // the drafted tokens
};

class draft_model {
public:
    // Loads params.draft_path next to the loaded target, with the target's
    // context size and slot count. Refuses a draft whose vocabulary differs.
    static result<std::unique_ptr<draft_model>> load(const load_params & params, const llama_model_handle & target);
    ~draft_model();
    draft_model(const draft_model &) = delete;
    draft_model & operator=(const draft_model &) = delete;

    uint64_t size_bytes() const;  // weights + context buffers

    // Catches every job's sequence up with its history (plus `last`), and
    // drafts for the jobs with a `last` token, all sequences together.
    // catch_up_budget limits the tokens evaluated for jobs without `last`
    // (prompts being processed), so that they do not stall the others.
    void run(std::vector<draft_job> & jobs, int catch_up_budget);

    // The runner's context shift on a slot's sequence, mirrored.
    void shift(int seq, int keep, int discard);

private:
    draft_model() = default;
    bool catch_up(std::vector<draft_job> & jobs, int catch_up_budget);
    bool decode_batch();
    void drop(int seq);
    bool accept_top(draft_job & job, int batch_index);

    llama_model_ptr model_;
    llama_context_ptr ctx_;
    llama_batch batch_{};
    int n_batch_ = 0;
    int n_vocab_ = 0;
    const llama_vocab * vocab_ = nullptr;
    std::vector<std::vector<llama_token>> cached_;  // per sequence: tokens whose KV is in the draft context
};

}  // namespace lokal::engine
