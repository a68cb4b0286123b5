// Ollama's repeat_penalty, frequency_penalty and presence_penalty over the
// last repeat_last_n tokens, with llama.cpp's arithmetic, applied to the
// few logits they change. llama.cpp's penalties sampler looks every token
// of the vocabulary up in its window (262,144 lookups a token for Gemma 3),
// which cost decoding several percent; this touches the window's tokens
// only and gives the same logits. Model-free, so it is unit-tested alone.
#pragma once

#include <cstdint>
#include <deque>
#include <unordered_map>
#include <utility>
#include <vector>

namespace lokal::engine {

struct penalty_params {
    int last_n = 64;  // -1: the whole context (n_ctx); 0: off
    float repeat = 1.0f;
    float frequency = 0.0f;
    float presence = 0.0f;
};

class penalties {
public:
    penalties() = default;
    penalties(const penalty_params & p, int n_ctx);

    bool active() const { return last_n_ > 0; }
    // A token of the prompt or of the answer, in order.
    void accept(int32_t token);

    // Changes logits (n_vocab of them) in place and returns what it changed
    // (token, old value) so that restore() can put the raw values back for
    // the logprobs, which are reported from the raw logits.
    std::vector<std::pair<int32_t, float>> apply(float * logits, int32_t n_vocab) const;
    static void restore(float * logits, const std::vector<std::pair<int32_t, float>> & saved);

private:
    int last_n_ = 0;
    float repeat_ = 1.0f, frequency_ = 0.0f, presence_ = 0.0f;
    std::deque<int32_t> window_;
    std::unordered_map<int32_t, int> counts_;
};

}  // namespace lokal::engine
