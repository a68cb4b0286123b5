// Embeddings on the inference thread: a second llama_context on the same
// weights with embeddings switched on, so embedding never disturbs the
// generation slots' KV caches or their batches.
//
// Pooling: a model's own pooling type (mean, CLS, last) is honoured; a
// generative model (no pooling type) is pooled by its last token's hidden
// state, which is what llama.cpp computes with --pooling last and what
// Ollama's own runner returned for such models.
#pragma once

#include "engine/llama_model.h"
#include "engine/runner.h"

#include <atomic>
#include <deque>
#include <future>
#include <memory>
#include <vector>

namespace lokal::engine {

// How a model's inputs are embedded.
struct embed_plan {
    enum llama_pooling_type pooling = LLAMA_POOLING_TYPE_LAST;
    // A sequence may span several decodes (causal model, last-token
    // pooling). Otherwise every input is decoded whole in one batch.
    bool chunked = true;
    int max_tokens = 0;  // longest input, tokens; longer ones are truncated or refused
    int n_batch = 0;     // tokens per decode, over all sequences
    int kv_size = 0;     // KV cells shared by the sequences in flight
    bool reranker = false;
};

embed_plan plan_embeddings(const llama_model_handle & m, const load_params & params);

// One request: its inputs tokenized (on the caller's thread) and their
// vectors as they complete.
struct embed_job {
    std::vector<std::vector<llama_token>> inputs;
    std::vector<std::vector<float>> out;
    size_t remaining = 0;
    int tokens = 0;
    std::atomic<bool> canceled{false};  // set by the waiting caller when its client is gone
    bool settled = false;               // inference thread only
    std::promise<result<embed_result>> promise;

    // Sets the result once; later calls are ignored.
    void settle(result<embed_result> r);
};

// Tokenizes and fits the inputs to the plan (truncating or refusing).
result<std::shared_ptr<embed_job>> make_embed_job(const llama_model_handle & m, const embed_plan & plan,
                                                  const embed_request & req);

// Lives on the inference thread; creates its context on first use.
class embedder {
public:
    embedder(const llama_model_handle & m, embed_plan plan) : model_(m), plan_(plan) {}
    ~embedder();
    embedder(const embedder &) = delete;
    embedder & operator=(const embedder &) = delete;

    void add(std::shared_ptr<embed_job> job);
    bool busy() const { return !pending_.empty() || !active_.empty(); }
    // One llama_decode over as many sequences as fit.
    void step();
    void fail_all(const error & err);

private:
    struct sequence {
        std::shared_ptr<embed_job> job;
        size_t input = 0;
        size_t n_done = 0;  // tokens already decoded
        int id = 0;
        bool in_batch = false;
    };

    status ensure_context();
    void add_tokens(sequence & s, int budget);
    status final_pass();
    status decode();
    void admit();
    void drop_abandoned();
    void collect();
    void release(sequence & s);

    const llama_model_handle & model_;
    embed_plan plan_;
    llama_context_ptr ctx_;
    llama_batch batch_{};
    std::deque<sequence> pending_;
    std::vector<sequence> active_;
    std::vector<int> free_ids_;
    int kv_used_ = 0;
};

}  // namespace lokal::engine
