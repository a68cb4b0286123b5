// The runner's units of work, shared by llama_runner.cpp and the parts it
// delegates to (speculative.cpp): a task is one submitted completion, a slot
// one llama sequence that runs a task at a time. Inference thread only.
#pragma once

#include "engine/channel.h"
#include "engine/grammar.h"
#include "engine/llama_media.h"
#include "engine/penalties.h"
#include "engine/runner.h"
#include "engine/text_stream.h"

#include <llama.h>
#include <sampling.h>

#include <chrono>
#include <memory>
#include <set>
#include <vector>

namespace lokal::engine {

using clock_type = std::chrono::steady_clock;

struct task {
    completion_request req;
    std::vector<llama_token> tokens;  // tokenized on the caller's thread, not the inference thread
    std::unique_ptr<media_prompt> media;  // a prompt with images: evaluated through mtmd
    grammar_spec grammar;
    std::set<llama_token> preserved;  // special tokens printed as text
    std::shared_ptr<channel> out;
};

// A slot's speculative decoding (engine/speculative.h).
struct spec_state {
    std::vector<llama_token> draft;      // drafted tokens in this batch, after next
    int draft_index = -1;                // where the first drafted token is in the batch
    std::vector<llama_token> proposal;   // the draft model's guess for after next, not yet in a batch
    bool model_drafts = false;           // this task drafts with the draft model
    int drafted = 0, accepted = 0;       // for the task's stats
};

struct slot {
    int id = 0;
    std::vector<llama_token> cached;     // tokens whose KV is in this slot's sequence
    std::unique_ptr<task> t;             // null when idle
    common_sampler_ptr sampler;          // its repetition penalties are off: see pen
    penalties pen;
    std::vector<llama_token> prompt;
    size_t n_prompt_done = 0;            // prompt tokens already in the KV cache
    std::vector<llama_token> generated;
    std::unique_ptr<text_stream> text;
    std::vector<output_logprob> logprobs;  // of tokens whose text is not out yet
    llama_token next = -1;               // sampled, not yet decoded
    int batch_index = -1;                // where this slot's logits land in the batch
    spec_state spec;
    std::vector<llama_token> replay;     // history to evaluate again before next (llama_runner::verify_drafts)
    int prompt_evaluated = 0;
    int prompt_restored = 0;             // of the task's prompt, tokens restored from the host-RAM prompt cache
    clock_type::time_point t_prompt_start, t_gen_start;

    bool busy() const { return t != nullptr; }
    // Evaluating prompt (or replay) tokens: no logits to sample from yet.
    bool prompting() const { return busy() && (n_prompt_done < prompt.size() || !replay.empty()); }
};

}  // namespace lokal::engine
