// Log-softmax over raw logits and the most likely alternatives.
#include "engine/logprobs.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

using lokal::engine::log_softmax_top;

TEST(engine_logprobs, log_softmax_of_the_chosen_token) {
    std::vector<float> logits{1.0f, 2.0f, 3.0f};
    double z = std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0));
    auto r = log_softmax_top(logits.data(), 3, 0, 0);
    EXPECT_NEAR(r.chosen, 1.0 - z, 1e-9);
    EXPECT_TRUE(r.top.empty());
}

TEST(engine_logprobs, top_is_most_likely_first_with_stable_ties) {
    std::vector<float> logits{0.5f, 4.0f, 4.0f, -1.0f, 2.0f};
    auto r = log_softmax_top(logits.data(), 5, 4, 3);
    ASSERT_EQ(r.top.size(), 3u);
    EXPECT_EQ(r.top[0].first, 1);
    EXPECT_EQ(r.top[1].first, 2);
    EXPECT_EQ(r.top[2].first, 4);
    EXPECT_DOUBLE_EQ(r.top[2].second, r.chosen);
    double total = 0;
    for (int i = 0; i < 5; ++i) total += std::exp(log_softmax_top(logits.data(), 5, i, 0).chosen);
    EXPECT_NEAR(total, 1.0, 1e-9);
}

TEST(engine_logprobs, large_logits_do_not_overflow_and_top_is_clamped) {
    std::vector<float> logits{1000.0f, 999.0f};
    auto r = log_softmax_top(logits.data(), 2, 0, 20);
    EXPECT_TRUE(std::isfinite(r.chosen));
    EXPECT_NEAR(r.chosen, -std::log1p(std::exp(-1.0)), 1e-9);
    EXPECT_EQ(r.top.size(), 2u);
    EXPECT_TRUE(std::isinf(log_softmax_top(logits.data(), 2, 7, 0).chosen));  // out of range id
}
