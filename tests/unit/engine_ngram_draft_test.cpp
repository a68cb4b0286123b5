// Prompt lookup: what ngram_draft proposes from the text so far.
#include "engine/ngram_draft.h"

#include <gtest/gtest.h>

using lokal::engine::lookup_draft;
using v = std::vector<int32_t>;

TEST(ngram_draft, continues_the_latest_earlier_match_of_the_last_three_tokens) {
    //            0  1  2  3  4  5  6  7  8  9
    v history = {1, 2, 3, 4, 5, 9, 1, 2, 3, 4, 6, 7, 2, 3, 4};
    // "2 3 4" occurred at 1 (then 5 9 ...) and at 7 (then 6 7 ...): the latest wins.
    EXPECT_EQ(lookup_draft(history, 3), (v{6, 7, 2}));
    EXPECT_EQ(lookup_draft(history, 1), (v{6}));
}

TEST(ngram_draft, falls_back_to_two_tokens_and_stops_at_the_end) {
    v history = {8, 5, 6, 1, 5, 6};  // "1 5 6" never occurred before; "5 6" did
    EXPECT_EQ(lookup_draft(history, 8), (v{1, 5, 6}));
    EXPECT_TRUE(lookup_draft({1, 2, 3}, 4).empty());   // no earlier occurrence
    EXPECT_TRUE(lookup_draft({}, 4).empty());
    EXPECT_TRUE(lookup_draft({7, 7, 7, 7}, 0).empty());
    EXPECT_EQ(lookup_draft({7, 7, 7, 7}, 4), (v{7}));  // overlapping match, cut at the end
}
