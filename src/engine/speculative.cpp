#include "engine/speculative.h"

#include "engine/ngram_draft.h"

#include <common.h>

#include <algorithm>

namespace lokal::engine {

// A slot's next token and its drafts take at most one micro-batch of cells.
// A sliding-window cache holds the window plus one micro-batch per sequence
// and reuses its oldest cells first, so the cells a step takes are ones that
// no position from the next token on attends to, even when the drafts are
// rejected (llama_runner::verify_drafts checks that it stays so).
speculator::speculator(std::unique_ptr<draft_model> draft, int n_ctx, int n_batch, int n_ubatch)
    : draft_(std::move(draft)), draft_bytes_(draft_ ? draft_->size_bytes() : 0), n_ctx_(n_ctx),
      n_batch_(std::max(1, n_batch)), max_drafts_(std::max(0, std::min(n_batch_, n_ubatch) - 1)) {}

void speculator::begin(slot & s) const {
    reset(s);
    // The draft model sees only text: prompts with images go without.
    s.spec.model_drafts = draft_ && !s.t->media && s.t->req.draft_num_predict > 0;
}

// How many tokens may follow the slot's next token: the request's wish,
// the context's room and what num_predict leaves. pending: 1 while the
// next token is not in s.cached yet.
int speculator::room(const slot & s, int want, int pending) const {
    const auto & req = s.t->req;
    const int used = static_cast<int>(s.cached.size()) + pending;
    int max = std::min(want, n_ctx_ - 1 - used);
    if (req.num_predict >= 0) max = std::min(max, req.num_predict - static_cast<int>(s.generated.size()));
    return max;
}

// Lets the draft model guess the tokens after every generating slot's next
// token (all slots in shared batches), and keeps the draft sequences of
// slots still reading their prompt close behind (the budget keeps a long
// prompt from stalling the others).
void speculator::propose(std::vector<slot> & slots) {
    if (!draft_) return;
    std::vector<draft_job> jobs;
    for (auto & s : slots) {
        s.spec.proposal.clear();
        if (!s.busy() || !s.spec.model_drafts) continue;
        draft_job j;
        j.seq = s.id;
        j.history = &s.cached;
        if (!s.prompting()) {
            if (s.next < 0) continue;
            j.last = s.next;
            j.max = std::min(room(s, s.t->req.draft_num_predict, 1), max_drafts_);
            j.min = s.t->req.draft_min;
            j.p_min = s.t->req.draft_p_min;
            if (j.max <= 0) continue;
        }
        jobs.push_back(std::move(j));
    }
    if (jobs.empty()) return;
    draft_->run(jobs, n_batch_);
    for (auto & j : jobs) {
        if (j.last >= 0) slots[j.seq].spec.proposal = std::move(j.result);
    }
}

void speculator::add(slot & s, llama_batch & batch, int budget_left) const {
    const auto & req = s.t->req;
    auto & sp = s.spec;
    if (!sp.model_drafts && req.ngram_draft <= 0) return;
    const int max = std::min({room(s, sp.model_drafts ? req.draft_num_predict : req.ngram_draft, 0), budget_left, max_drafts_});
    if (max <= 0) return;
    if (sp.model_drafts) {
        sp.draft = std::move(sp.proposal);
        sp.proposal.clear();
        if (static_cast<int>(sp.draft.size()) > max) sp.draft.resize(max);
        if (static_cast<int>(sp.draft.size()) < req.draft_min) sp.draft.clear();
    } else {
        sp.draft = lookup_draft(s.cached, static_cast<size_t>(max));
    }
    // Other slots' next tokens may sit between this slot's next and its drafts.
    sp.draft_index = batch.n_tokens;
    for (llama_token tok : sp.draft) {
        common_batch_add(batch, tok, static_cast<llama_pos>(s.cached.size()), {s.id}, true);
        s.cached.push_back(tok);
    }
    sp.drafted += static_cast<int>(sp.draft.size());
}

size_t speculator::verify(slot & s, const std::function<void(slot &)> & sample_and_emit) const {
    const std::vector<llama_token> draft = std::move(s.spec.draft);
    s.spec.draft.clear();
    const size_t first_draft_pos = s.cached.size() - draft.size();
    size_t accepted = 0;
    for (;;) {
        sample_and_emit(s);
        if (!s.busy() || accepted == draft.size() || s.next != draft[accepted]) break;
        s.next = -1;  // confirmed: its KV is in the cache already
        s.batch_index = s.spec.draft_index + static_cast<int>(accepted);
        ++accepted;
    }
    s.spec.accepted += static_cast<int>(accepted);
    return first_draft_pos + accepted;
}

void speculator::shift(int seq, int keep, int discard) {
    if (draft_) draft_->shift(seq, keep, discard);
}

}  // namespace lokal::engine
