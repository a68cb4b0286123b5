// Log probabilities of a sampled token, as llama-server reports them with
// n_probs (and Ollama passes on): from the raw logits of the position (a
// log-softmax over the whole vocabulary, before temperature, penalties,
// grammar or any other sampling transform), plus the most likely tokens.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace lokal::engine {

struct raw_logprobs {
    double chosen = 0;                             // log p of the chosen token
    std::vector<std::pair<int32_t, double>> top;   // (token, log p), most likely first
};

// top_n alternatives (0: none); ties keep the lower token id first.
raw_logprobs log_softmax_top(const float * logits, int32_t n_vocab, int32_t chosen, int top_n);

}  // namespace lokal::engine
