// Draft-model speculative decoding: how a draft sequence follows its slot
// (keep the common prefix, evaluate the rest; mirror context shifts) and the
// greedy choice with its probability (draft_p_min).
#include "engine/draft_plan.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace lokal::engine;
using v = std::vector<int32_t>;

TEST(draft_plan, keeps_the_common_prefix_and_adds_the_rest) {
    // rejected drafts (7 8) after an accepted one (6): keep 1 2 6, add the correction
    auto p = plan_sync({1, 2, 6, 7, 8}, {1, 2, 6, 9});
    EXPECT_EQ(p.keep, 3u);
    EXPECT_EQ(p.add, (v{9}));
    // a sequence behind its slot (prompt being read) only adds
    p = plan_sync({1, 2}, {1, 2, 3, 4});
    EXPECT_EQ(p.keep, 2u);
    EXPECT_EQ(p.add, (v{3, 4}));
    // a new prompt in the slot: nothing in common
    p = plan_sync({5, 6}, {1, 2});
    EXPECT_EQ(p.keep, 0u);
    EXPECT_EQ(p.add, (v{1, 2}));
    // a sequence ahead (drafts all accepted but the last): keeps the history
    p = plan_sync({1, 2, 3, 4}, {1, 2, 3});
    EXPECT_EQ(p.keep, 3u);
    EXPECT_TRUE(p.add.empty());
    EXPECT_TRUE(plan_sync({}, {}).add.empty());
}

TEST(draft_plan, shift_drops_the_same_tokens_as_the_slot) {
    v t = {0, 1, 2, 3, 4, 5, 6, 7};
    shift_tokens(t, 2, 3);
    EXPECT_EQ(t, (v{0, 1, 5, 6, 7}));
    v shorter = {0, 1, 2, 3};  // the draft lagged behind the slot
    shift_tokens(shorter, 2, 3);
    EXPECT_EQ(shorter, (v{0, 1}));
    v tiny = {0, 1};
    shift_tokens(tiny, 2, 3);
    EXPECT_EQ(tiny, (v{0, 1}));
}

TEST(draft_plan, picks_the_most_likely_token_with_its_probability) {
    const float logits[] = {0.0f, 2.0f, 1.0f, 2.0f};
    top_token t = pick_top(logits, 4, false);
    EXPECT_EQ(t.id, 1);  // the first of equal maxima, as argmax
    EXPECT_EQ(t.p, 1.0f);
    t = pick_top(logits, 4, true);
    const double want = 1.0 / (std::exp(-2.0) + 1 + std::exp(-1.0) + 1);
    EXPECT_NEAR(t.p, want, 1e-6);
    EXPECT_EQ(pick_top(logits, 0, true).id, -1);
}
