// lokal's repetition penalties against llama.cpp's own penalties sampler:
// the same logits after every token, for a window that fills and slides.
#include "engine/penalties.h"

#include <gtest/gtest.h>

#include <llama.h>

#include <random>

using namespace lokal::engine;

namespace {

constexpr int32_t n_vocab = 500;

// llama.cpp's sampler over the whole vocabulary, fed the same tokens.
struct reference {
    llama_sampler * smpl;
    reference(const penalty_params & p)
        : smpl(llama_sampler_init_penalties(n_vocab, p.last_n, p.repeat, p.frequency, p.presence)) {}
    ~reference() { llama_sampler_free(smpl); }
    std::vector<float> apply(const std::vector<float> & logits) const {
        std::vector<llama_token_data> data;
        for (int32_t i = 0; i < n_vocab; ++i) data.push_back({i, logits[i], 0.0f});
        llama_token_data_array arr{data.data(), data.size(), -1, false};
        llama_sampler_apply(smpl, &arr);
        std::vector<float> out(n_vocab);
        for (const auto & d : data) out[d.id] = d.logit;
        return out;
    }
};

std::vector<float> random_logits(std::mt19937 & rng) {
    std::uniform_real_distribution<float> value(-8.0f, 8.0f);
    std::vector<float> logits(n_vocab);
    for (auto & l : logits) l = value(rng);
    logits[7] = 0.0f;  // the boundary between multiplying and dividing
    return logits;
}

}  // namespace

TEST(Penalties, MatchLlamaCppAsTheWindowFillsAndSlides) {
    const penalty_params p{16, 1.3f, 0.2f, 0.5f};
    penalties mine(p, 4096);
    reference theirs(p);
    std::mt19937 rng(42);
    std::uniform_int_distribution<int32_t> token(0, 40);  // few distinct tokens: repeats
    for (int step = 0; step < 200; ++step) {
        const auto logits = random_logits(rng);
        auto got = logits;
        auto saved = mine.apply(got.data(), n_vocab);
        ASSERT_EQ(got, theirs.apply(logits)) << "after " << step << " tokens";
        penalties::restore(got.data(), saved);
        ASSERT_EQ(got, logits) << "restore gives the raw logits back";
        const int32_t t = step == 0 ? 7 : token(rng);
        mine.accept(t);
        llama_sampler_accept(theirs.smpl, t);
    }
}

TEST(Penalties, SettingsThatChangeNothingAreOff) {
    EXPECT_FALSE(penalties(penalty_params{64, 1.0f, 0.0f, 0.0f}, 4096).active());
    EXPECT_FALSE(penalties(penalty_params{0, 1.1f, 0.0f, 0.0f}, 4096).active());
    EXPECT_TRUE(penalties(penalty_params{64, 1.0f, 0.0f, 0.5f}, 4096).active());
    penalties off;
    off.accept(3);
    std::vector<float> logits(n_vocab, 1.0f);
    EXPECT_TRUE(off.apply(logits.data(), n_vocab).empty());
}

TEST(Penalties, LastNMinusOneIsTheWholeContext) {
    // Ollama's repeat_last_n -1 means num_ctx; llama.cpp's sampler would
    // read it as 0 and penalise nothing.
    penalties whole(penalty_params{-1, 2.0f, 0.0f, 0.0f}, 8);
    for (int32_t t = 0; t < 9; ++t) whole.accept(t);  // token 0 has left a window of 8
    std::vector<float> logits(n_vocab, 4.0f);
    (void)whole.apply(logits.data(), n_vocab);
    EXPECT_EQ(logits[0], 4.0f);
    for (int32_t t = 1; t < 9; ++t) EXPECT_EQ(logits[t], 2.0f) << t;
    EXPECT_EQ(logits[9], 4.0f);
}

TEST(Penalties, TokensOutsideTheVocabularyAreIgnored) {
    penalties p(penalty_params{8, 2.0f, 0.0f, 0.0f}, 4096);
    p.accept(n_vocab + 3);
    p.accept(-5);
    std::vector<float> logits(n_vocab, 4.0f);
    EXPECT_TRUE(p.apply(logits.data(), n_vocab).empty());
}
