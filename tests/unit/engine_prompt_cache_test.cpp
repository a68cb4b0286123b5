// The host-RAM prompt cache's bookkeeping (engine/prompt_cache.h): which
// saved conversation serves a prompt, what the byte limit evicts, and when a
// sliding-window cache has lost what a prefix needs. No model: states are
// opaque bytes here.
#include "engine/prompt_cache.h"

#include <gtest/gtest.h>

#include <numeric>

using namespace lokal::engine;

namespace {

std::vector<int32_t> seq(int32_t first, size_t n) {
    std::vector<int32_t> v(n);
    std::iota(v.begin(), v.end(), first);
    return v;
}

std::vector<int32_t> concat(std::vector<int32_t> a, const std::vector<int32_t> & b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

saved_prompt saved(std::vector<int32_t> tokens, size_t bytes, int32_t pos_min = 0) {
    return saved_prompt{std::move(tokens), std::vector<uint8_t>(bytes, 7), pos_min};
}

}  // namespace

TEST(prompt_cache, a_follow_up_turn_gets_its_conversation_back) {
    prompt_cache c(1000, 0);
    c.put(saved(seq(0, 100), 100));     // conversation A
    c.put(saved(seq(1000, 80), 100));   // conversation B
    auto next_turn_of_a = concat(seq(0, 100), seq(5000, 20));
    auto p = c.take(next_turn_of_a, 3);
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->tokens, seq(0, 100));
    EXPECT_EQ(c.size(), 1u);  // taken out: the slot holds it now
    EXPECT_EQ(c.bytes(), 100u);
}

TEST(prompt_cache, nothing_is_taken_that_serves_no_more_than_the_slot) {
    prompt_cache c(1000, 0);
    c.put(saved(seq(0, 100), 100));
    auto prompt = concat(seq(0, 50), seq(9000, 10));
    EXPECT_FALSE(c.take(prompt, 50).has_value());  // the slot's own cache serves 50 already
    EXPECT_FALSE(c.take(seq(9000, 10), 0).has_value());
    EXPECT_TRUE(c.take(prompt, 49).has_value());
}

TEST(prompt_cache, the_longest_usable_prefix_wins) {
    prompt_cache c(1000, 0);
    c.put(saved(seq(0, 40), 10));
    c.put(saved(concat(seq(0, 60), seq(700, 5)), 10));
    c.put(saved(concat(seq(0, 30), seq(800, 50)), 10));
    auto p = c.take(concat(seq(0, 60), seq(900, 5)), 0);
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->tokens.size(), 65u);
}

TEST(prompt_cache, the_limit_evicts_the_least_recently_used) {
    prompt_cache c(250, 0);
    c.put(saved(seq(0, 10), 100));
    c.put(saved(seq(100, 10), 100));
    c.put(saved(seq(200, 10), 100));  // over the limit: the first goes
    EXPECT_EQ(c.size(), 2u);
    EXPECT_EQ(c.bytes(), 200u);
    EXPECT_FALSE(c.take(concat(seq(0, 10), {1}), 0).has_value());
    EXPECT_TRUE(c.take(concat(seq(100, 10), {1}), 0).has_value());
    EXPECT_TRUE(c.take(concat(seq(200, 10), {1}), 0).has_value());
    EXPECT_EQ(c.bytes(), 0u);
}

TEST(prompt_cache, a_state_larger_than_the_limit_is_not_kept) {
    prompt_cache c(250, 0);
    c.put(saved(seq(0, 10), 100));
    c.put(saved(seq(100, 10), 300));
    EXPECT_EQ(c.size(), 1u);
    EXPECT_EQ(c.bytes(), 100u);
}

TEST(prompt_cache, a_longer_save_of_the_same_conversation_replaces_the_shorter) {
    prompt_cache c(1000, 0);
    c.put(saved(seq(0, 50), 100));
    c.put(saved(seq(0, 80), 150));
    EXPECT_EQ(c.size(), 1u);
    EXPECT_EQ(c.bytes(), 150u);
}

TEST(prompt_cache, off_keeps_nothing) {
    prompt_cache c(0, 0);
    EXPECT_FALSE(c.enabled());
    c.put(saved(seq(0, 50), 100));
    EXPECT_EQ(c.size(), 0u);
}

TEST(prompt_cache, sliding_window_states_serve_only_prefixes_whose_window_they_hold) {
    // Positions 0..1199 were evaluated; a window of 512 layers keeps 600 on.
    prompt_cache c(1000, 512);
    c.put(saved(seq(0, 1200), 100, 600));
    // Cut at 500: the next token would need positions from 0 on, long gone.
    EXPECT_FALSE(c.take(concat(seq(0, 500), seq(9000, 5)), 0).has_value());
    // The whole history continued: its window is all there.
    EXPECT_TRUE(c.take(concat(seq(0, 1200), seq(9000, 5)), 0).has_value());
}

TEST(prompt_cache, usable_prefix_leaves_the_last_prompt_token_for_its_logits) {
    EXPECT_EQ(usable_prefix(10, 10, 0, 0), 9u);
    EXPECT_EQ(usable_prefix(10, 20, 0, 0), 10u);
    EXPECT_EQ(usable_prefix(0, 0, 0, 0), 0u);
    EXPECT_EQ(usable_prefix(1000, 2000, 600, 512), 0u);    // needs positions from 488 on
    EXPECT_EQ(usable_prefix(1000, 2000, 488, 512), 1000u);
}
