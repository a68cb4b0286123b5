#include "engine/llama_embed.h"

#include <common.h>

#include <algorithm>

namespace lokal::engine {

namespace {

// Sequences embedded at once (one llama sequence id each).
constexpr int max_sequences = 8;
// Tokens per decode for a generative model's inputs (decoded without
// outputs, see final_pass), as llama.cpp's default micro-batch.
constexpr int generative_batch = 512;
// Ollama's default batch for embedding models, capped by the context.
constexpr int embedding_model_batch = 2048;

}  // namespace

embed_plan plan_embeddings(const llama_model_handle & m, const load_params & params) {
    const auto & f = m.facts();
    // Ollama's limit: the requested num_ctx, at most the trained context
    // (llama.cpp pads the context it allocates; the padding is not offered).
    int limit = std::min(std::max(1, params.num_ctx), f.context_length);
    if (f.train_context_length > 0) limit = std::min(limit, f.train_context_length);
    embed_plan p;
    const enum llama_pooling_type own = llama_pooling_type(m.ctx());
    if (own == LLAMA_POOLING_TYPE_NONE || own == LLAMA_POOLING_TYPE_UNSPECIFIED) {
        p.pooling = LLAMA_POOLING_TYPE_LAST;
        p.chunked = true;
        p.max_tokens = limit;
        p.kv_size = limit;
        p.n_batch = std::min(generative_batch, limit);
        return p;
    }
    p.pooling = own;
    p.reranker = own == LLAMA_POOLING_TYPE_RANK;
    p.chunked = false;  // mean/CLS pooling and non-causal models need the whole input in one batch
    p.max_tokens = std::min(limit, embedding_model_batch);
    p.n_batch = p.max_tokens;
    p.kv_size = p.max_tokens;
    return p;
}

void embed_job::settle(result<embed_result> r) {
    if (settled) return;
    settled = true;
    promise.set_value(std::move(r));
}

namespace {

// A query and a document as one input, the way llama-server's
// format_prompt_rerank joins them: the model's "rerank" template when it
// has one, else [BOS] query [EOS] [SEP] document [EOS] as the vocabulary
// adds them.
std::vector<llama_token> rerank_tokens(const llama_model_handle & m, const std::string & query,
                                       const std::string & doc) {
    if (const char * tmpl = llama_model_chat_template(m.model(), "rerank")) {
        std::string prompt = tmpl;
        for (auto [key, value] : {std::pair<std::string, const std::string *>{"{query}", &query}, {"{document}", &doc}}) {
            for (size_t at = prompt.find(key); at != std::string::npos; at = prompt.find(key, at + value->size())) {
                prompt.replace(at, key.size(), *value);
            }
        }
        return m.tokenize_text(prompt, false, true);
    }
    const llama_vocab * vocab = m.vocab();
    llama_token eos = llama_vocab_eos(vocab);
    if (eos == LLAMA_TOKEN_NULL) eos = llama_vocab_sep(vocab);
    std::vector<llama_token> out;
    if (llama_vocab_get_add_bos(vocab)) out.push_back(llama_vocab_bos(vocab));
    auto q = m.tokenize_text(query, false, false);
    out.insert(out.end(), q.begin(), q.end());
    if (llama_vocab_get_add_eos(vocab)) out.push_back(eos);
    if (llama_vocab_get_add_sep(vocab)) out.push_back(llama_vocab_sep(vocab));
    auto d = m.tokenize_text(doc, false, false);
    out.insert(out.end(), d.begin(), d.end());
    if (llama_vocab_get_add_eos(vocab)) out.push_back(eos);
    return out;
}

}  // namespace

result<std::shared_ptr<embed_job>> make_embed_job(const llama_model_handle & m, const embed_plan & plan,
                                                  const embed_request & req) {
    if (plan.reranker && !req.rerank) {
        return make_error(errc::invalid_request, "this model is a reranker and does not produce embeddings");
    }
    if (req.rerank && !plan.reranker) {
        return make_error(errc::invalid_request,
                          "this model does not support reranking (it needs a reranker head: rank pooling)");
    }
    const llama_vocab * vocab = m.vocab();
    const bool adds_end = llama_vocab_get_add_eos(vocab) || llama_vocab_get_add_sep(vocab);
    auto job = std::make_shared<embed_job>();
    for (const auto & text : req.inputs) {
        auto toks = req.rerank ? rerank_tokens(m, req.query, text) : m.tokenize_text(text, true, true);
        if (toks.empty()) return make_error(errc::invalid_request, "cannot embed an empty input");
        if (static_cast<int>(toks.size()) > plan.max_tokens) {
            if (!req.truncate) return make_error(errc::invalid_request, "the input length exceeds the context length");
            // Keep the head, as Ollama does, and the closing EOS/SEP a model
            // like BERT pools on.
            const llama_token last = toks.back();
            const bool closing = adds_end && (last == llama_vocab_eos(vocab) || last == llama_vocab_sep(vocab));
            toks.resize(static_cast<size_t>(plan.max_tokens));
            if (closing) toks.back() = last;
        }
        job->tokens += static_cast<int>(toks.size());
        job->inputs.push_back(std::move(toks));
    }
    job->out.resize(job->inputs.size());
    job->remaining = job->inputs.size();
    return job;
}

embedder::~embedder() {
    if (batch_.token) llama_batch_free(batch_);
}

status embedder::ensure_context() {
    if (ctx_) return {};
    llama_context_params cp = llama_context_default_params();
    cp.embeddings = true;
    cp.pooling_type = plan_.pooling;
    cp.n_ctx = static_cast<uint32_t>(std::max(plan_.kv_size, plan_.n_batch));
    cp.n_batch = static_cast<uint32_t>(plan_.n_batch);
    // Non-causal models need each sequence within one micro-batch.
    cp.n_ubatch = plan_.chunked ? std::min<uint32_t>(cp.n_batch, 512) : cp.n_batch;
    cp.n_seq_max = max_sequences;
    cp.kv_unified = true;  // the sequences in flight share kv_size cells
    cp.n_threads = model_.n_threads();
    cp.n_threads_batch = model_.n_threads();
    cp.no_perf = true;
    ctx_ = model_.new_context(cp);
    if (!ctx_) return make_error(errc::unavailable, "llama.cpp could not create the embedding context (out of memory?)");
    batch_ = llama_batch_init(plan_.n_batch, 0, 1);
    for (int id = max_sequences - 1; id >= 0; --id) free_ids_.push_back(id);
    return {};
}

void embedder::add(std::shared_ptr<embed_job> job) {
    if (job->inputs.empty()) {
        job->settle(embed_result{});
        return;
    }
    for (size_t i = 0; i < job->inputs.size(); ++i) pending_.push_back(sequence{job, i, 0, -1, false});
}

void embedder::release(sequence & s) {
    if (s.id < 0) return;
    if (auto * mem = llama_get_memory(ctx_.get())) llama_memory_seq_rm(mem, s.id, -1, -1);
    kv_used_ -= static_cast<int>(s.job->inputs[s.input].size());
    free_ids_.push_back(s.id);
    s.id = -1;
}

// Sequences whose request was canceled or already failed are dropped.
void embedder::drop_abandoned() {
    auto abandoned = [](const sequence & s) { return s.job->settled || s.job->canceled.load(); };
    for (auto & s : active_) {
        if (!abandoned(s)) continue;
        s.job->settle(make_error(errc::canceled, "canceled"));
        release(s);
    }
    std::erase_if(active_, [](const sequence & s) { return s.id < 0; });
    for (auto & s : pending_) {
        if (abandoned(s)) s.job->settle(make_error(errc::canceled, "canceled"));
    }
    std::erase_if(pending_, abandoned);
}

// Adds the sequence's next tokens. Chunked (last-token pooling): all but
// the final token, which final_pass() decodes on its own.
void embedder::add_tokens(sequence & s, int budget) {
    const auto & toks = s.job->inputs[s.input];
    const size_t end = plan_.chunked ? toks.size() - 1 : toks.size();
    s.in_batch = false;
    while (s.n_done < end && batch_.n_tokens < budget) {
        // Whole inputs: every token is an output (llama.cpp requires it for
        // pooled embeddings). Chunked: no outputs, so no logits either.
        common_batch_add(batch_, toks[s.n_done], static_cast<llama_pos>(s.n_done), {s.id}, !plan_.chunked);
        s.n_done++;
        s.in_batch = true;
    }
}

// With embeddings on, llama.cpp outputs every token of a batch, logits
// included (n_vocab floats each: for Gemma that tripled the cost). So a
// generative model's inputs go in with embeddings off, and only their final
// tokens are decoded with embeddings on; last-token pooling reads those.
status embedder::final_pass() {
    common_batch_clear(batch_);
    for (auto & s : active_) {
        const auto & toks = s.job->inputs[s.input];
        s.in_batch = false;
        if (s.n_done + 1 != toks.size()) continue;
        common_batch_add(batch_, toks.back(), static_cast<llama_pos>(s.n_done), {s.id}, true);
        s.n_done++;
        s.in_batch = true;
    }
    if (batch_.n_tokens == 0) return {};
    llama_set_embeddings(ctx_.get(), true);
    return decode();
}

status embedder::decode() {
    if (int rc = llama_decode(ctx_.get(), batch_); rc != 0) {
        return make_error(errc::internal, "llama_decode failed with code " + std::to_string(rc) + " (embedding)");
    }
    return {};
}

// Starts waiting inputs, in order, while a sequence id, KV cells and (for
// whole-input models) room in this batch are free.
void embedder::admit() {
    while (!pending_.empty() && !free_ids_.empty() && batch_.n_tokens < plan_.n_batch) {
        sequence & s = pending_.front();
        const int len = static_cast<int>(s.job->inputs[s.input].size());
        if (kv_used_ + len > plan_.kv_size) break;
        if (!plan_.chunked && batch_.n_tokens + len > plan_.n_batch) break;
        s.id = free_ids_.back();
        free_ids_.pop_back();
        kv_used_ += len;
        active_.push_back(std::move(s));
        pending_.pop_front();
        add_tokens(active_.back(), plan_.n_batch);
    }
}

void embedder::step() {
    drop_abandoned();
    if (!busy()) return;
    if (auto st = ensure_context(); !st) return fail_all(st.err());
    common_batch_clear(batch_);
    for (auto & s : active_) add_tokens(s, plan_.n_batch);
    admit();
    status st;
    if (batch_.n_tokens > 0) {
        llama_set_embeddings(ctx_.get(), !plan_.chunked);
        st = decode();
    }
    if (st && plan_.chunked) st = final_pass();
    if (!st) {
        for (auto & s : active_) {
            s.job->settle(st.err());
            release(s);
        }
        active_.clear();
        return;
    }
    collect();
}

// Reads the pooled vector of every sequence whose last token was in the
// batch just decoded.
void embedder::collect() {
    const auto n_embd = static_cast<size_t>(model_.facts().n_embd);
    for (auto & s : active_) {
        auto & job = *s.job;
        if (!s.in_batch || s.n_done < job.inputs[s.input].size()) continue;
        const float * e = llama_get_embeddings_seq(ctx_.get(), s.id);
        if (!e) {
            job.settle(make_error(errc::internal, "llama.cpp returned no embedding"));
        } else {
            // A reranker's output is its classifier's: the score comes first.
            job.out[s.input].assign(e, e + (plan_.reranker ? 1 : n_embd));
            if (--job.remaining == 0) job.settle(embed_result{std::move(job.out), job.tokens});
        }
        release(s);
    }
    std::erase_if(active_, [](const sequence & s) { return s.id < 0; });
}

void embedder::fail_all(const error & err) {
    for (auto & s : active_) {
        s.job->settle(err);
        release(s);
    }
    active_.clear();
    for (auto & s : pending_) s.job->settle(err);
    pending_.clear();
}

}  // namespace lokal::engine
