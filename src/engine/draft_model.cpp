#include "engine/draft_model.h"

#include "engine/llama_model.h"

#include <common.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

namespace lokal::engine {

namespace {

error vocabulary_error(const std::string & what) {
    return make_error(errc::invalid_request, "the draft model cannot be used: " + what +
                                                 " (a draft model must share the model's vocabulary)");
}

// Drafted ids are fed to the target as they are, so both tokenizers must
// agree on every id; create checked the sizes, the files may have changed.
status same_vocabulary(const llama_vocab * target, const llama_vocab * draft) {
    const int n_target = llama_vocab_n_tokens(target), n_draft = llama_vocab_n_tokens(draft);
    if (n_target != n_draft) {
        return vocabulary_error("its vocabulary has " + std::to_string(n_draft) + " tokens, the model's " +
                                std::to_string(n_target));
    }
    if (llama_vocab_type(target) != llama_vocab_type(draft)) return vocabulary_error("its tokenizer type differs");
    if (llama_vocab_bos(target) != llama_vocab_bos(draft) || llama_vocab_eos(target) != llama_vocab_eos(draft)) {
        return vocabulary_error("its BOS/EOS tokens differ");
    }
    for (llama_token i = 0; i < n_target; ++i) {
        const char * a = llama_vocab_get_text(target, i);
        const char * b = llama_vocab_get_text(draft, i);
        if (std::strcmp(a ? a : "", b ? b : "") != 0) {
            return vocabulary_error("token " + std::to_string(i) + " differs");
        }
    }
    return {};
}

}  // namespace

result<std::unique_ptr<draft_model>> draft_model::load(const load_params & p, const llama_model_handle & target) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(p.draft_path, ec)) {
        return make_error(errc::not_found, "the draft model's file is missing from the store");
    }
    std::unique_ptr<draft_model> d(new draft_model());
    d->model_.reset(llama_model_load_from_file(p.draft_path.c_str(), model_params(p)));
    if (!d->model_) {
        return make_error(errc::invalid_request, "llama.cpp could not load the draft model (unsupported or corrupt GGUF)");
    }
    d->vocab_ = llama_model_get_vocab(d->model_.get());
    if (auto st = same_vocabulary(target.vocab(), d->vocab_); !st) return st.err();

    // The draft follows the target's sequences position by position, so it
    // gets the same room per sequence even past its own training length.
    llama_context_params cp = generation_context_params(p, d->model_.get());
    cp.n_ctx = llama_n_ctx_seq(target.ctx()) * cp.n_seq_max;
    cp.swa_full = false;  // a lost window cell makes a guess worse, never the output wrong
    if (!check_cache_type(d->model_.get(), p.kv_cache_type)) cp.type_k = cp.type_v = GGML_TYPE_F16;
    d->ctx_.reset(llama_init_from_model(d->model_.get(), cp));
    if (!d->ctx_) return make_error(errc::unavailable, "llama.cpp could not create the draft model's context (too large for memory?)");
    d->n_batch_ = static_cast<int>(cp.n_batch);
    d->n_vocab_ = llama_vocab_n_tokens(d->vocab_);
    d->batch_ = llama_batch_init(d->n_batch_, 0, 1);
    d->cached_.resize(cp.n_seq_max);
    return d;
}

draft_model::~draft_model() {
    if (batch_.token) llama_batch_free(batch_);
}

uint64_t draft_model::size_bytes() const { return llama_model_size(model_.get()) + llama_state_get_size(ctx_.get()); }

void draft_model::drop(int seq) {
    llama_memory_seq_rm(llama_get_memory(ctx_.get()), seq, -1, -1);
    cached_[seq].clear();
}

void draft_model::shift(int seq, int keep, int discard) {
    auto & c = cached_[seq];
    if (c.size() <= static_cast<size_t>(keep)) return;
    auto * mem = llama_get_memory(ctx_.get());
    if (!llama_memory_can_shift(mem) || c.size() < static_cast<size_t>(keep + discard)) {
        llama_memory_seq_rm(mem, seq, keep, -1);
        c.resize(keep);
        return;
    }
    llama_memory_seq_rm(mem, seq, keep, keep + discard);
    llama_memory_seq_add(mem, seq, keep + discard, -1, -discard);
    shift_tokens(c, keep, discard);
}

// Evaluates batch_; on failure forgets every sequence in it (their KV is
// unknown) so that the next step starts them afresh.
bool draft_model::decode_batch() {
    if (batch_.n_tokens == 0) return true;
    if (llama_decode(ctx_.get(), batch_) == 0) return true;
    for (int i = 0; i < batch_.n_tokens; ++i) drop(batch_.seq_id[i][0]);
    return false;
}

// Takes the draft model's choice at batch_index; false when the job is done.
bool draft_model::accept_top(draft_job & job, int batch_index) {
    const float * logits = llama_get_logits_ith(ctx_.get(), batch_index);
    if (!logits) return false;
    const top_token top = pick_top(logits, n_vocab_, job.p_min > 0);
    if (top.p < job.p_min) return false;
    job.result.push_back(top.id);
    return static_cast<int>(job.result.size()) < job.max && !llama_vocab_is_eog(vocab_, top.id);
}

// Brings each job's sequence to its history (and `last`, whose logits give
// the first draft), in batches of at most n_batch tokens.
bool draft_model::catch_up(std::vector<draft_job> & jobs, int catch_up_budget) {
    std::vector<sync_plan> plans;
    for (auto & job : jobs) {
        sync_plan plan = plan_sync(cached_[job.seq], *job.history);
        if (job.last >= 0) {
            plan.add.push_back(job.last);
        } else {
            const size_t n = std::min(plan.add.size(), static_cast<size_t>(std::max(catch_up_budget, 0)));
            plan.add.resize(n);
            catch_up_budget -= static_cast<int>(n);
        }
        llama_memory_seq_rm(llama_get_memory(ctx_.get()), job.seq, static_cast<llama_pos>(plan.keep), -1);
        cached_[job.seq].resize(plan.keep);
        plans.push_back(std::move(plan));
    }
    std::vector<size_t> done(jobs.size(), 0);
    std::vector<int> logits_at(jobs.size(), -1);
    for (;;) {
        common_batch_clear(batch_);
        std::fill(logits_at.begin(), logits_at.end(), -1);
        for (size_t j = 0; j < jobs.size() && batch_.n_tokens < n_batch_; ++j) {
            auto & c = cached_[jobs[j].seq];
            while (done[j] < plans[j].add.size() && batch_.n_tokens < n_batch_) {
                const bool last = jobs[j].last >= 0 && done[j] + 1 == plans[j].add.size();
                if (last) logits_at[j] = batch_.n_tokens;
                common_batch_add(batch_, plans[j].add[done[j]], static_cast<llama_pos>(c.size()), {jobs[j].seq}, last);
                c.push_back(plans[j].add[done[j]++]);
            }
        }
        if (batch_.n_tokens == 0) return true;
        if (!decode_batch()) return false;
        for (size_t j = 0; j < jobs.size(); ++j) {
            if (logits_at[j] >= 0) accept_top(jobs[j], logits_at[j]);
        }
    }
}

void draft_model::run(std::vector<draft_job> & jobs, int catch_up_budget) {
    for (auto & job : jobs) job.result.clear();
    if (jobs.empty() || !catch_up(jobs, catch_up_budget)) {
        for (auto & job : jobs) job.result.clear();
        return;
    }
    // One token per drafting sequence per decode, until each has max
    // tokens, meets an end-of-generation token or its confidence drops.
    std::vector<draft_job *> active;
    for (auto & job : jobs) {
        const bool drafted = !job.result.empty();
        if (drafted && static_cast<int>(job.result.size()) < job.max && !llama_vocab_is_eog(vocab_, job.result.back())) {
            active.push_back(&job);
        }
    }
    while (!active.empty()) {
        common_batch_clear(batch_);
        for (auto * job : active) {
            auto & c = cached_[job->seq];
            common_batch_add(batch_, job->result.back(), static_cast<llama_pos>(c.size()), {job->seq}, true);
            c.push_back(job->result.back());
        }
        if (!decode_batch()) {
            for (auto & job : jobs) job.result.clear();
            return;
        }
        std::vector<draft_job *> still;
        for (size_t i = 0; i < active.size(); ++i) {
            if (accept_top(*active[i], static_cast<int>(i))) still.push_back(active[i]);
        }
        active.swap(still);
    }
    for (auto & job : jobs) {
        if (static_cast<int>(job.result.size()) < job.min) job.result.clear();
    }
}

}  // namespace lokal::engine
