// The speculator's bookkeeping without a model (prompt lookup, no draft
// model): which drafted tokens go into a batch, and how many survive when
// the model's own choices are compared with them. The model's choices come
// from a script in place of sampling.
#include "engine/speculative.h"

#include <gtest/gtest.h>

#include <common.h>

using namespace lokal::engine;

namespace {

struct Speculator : ::testing::Test {
    speculator spec{nullptr, /*n_ctx*/ 64, /*n_batch*/ 32, /*n_ubatch*/ 8};
    llama_batch batch = llama_batch_init(32, 0, 1);
    slot s;

    ~Speculator() override { llama_batch_free(batch); }

    // A generating slot with this history (by default 10 11 12 13 10 11)
    // and `next` sampled and put in the batch as the runner's fill_batch does.
    void generating(int ngram_draft, int num_predict = -1,
                    std::vector<llama_token> history = {10, 11, 12, 13, 10, 11}, llama_token next = 12) {
        s.t = std::make_unique<task>();
        s.t->req.ngram_draft = ngram_draft;
        s.t->req.num_predict = num_predict;
        spec.begin(s);
        s.cached = std::move(history);
        s.generated = {1};
        common_batch_clear(batch);
        s.batch_index = batch.n_tokens;
        common_batch_add(batch, next, static_cast<llama_pos>(s.cached.size()), {s.id}, true);
        s.cached.push_back(next);
    }

    // Verifies with the model choosing `script` at the next token's position
    // and then at each accepted draft's; records where it sampled.
    size_t verify(std::vector<llama_token> script, std::vector<int> & sampled_at, int end_after = -1) {
        size_t i = 0;
        return spec.verify(s, [&](slot & v) {
            sampled_at.push_back(v.batch_index);
            v.next = script.at(i++);
            if (static_cast<int>(i) == end_after) v.t.reset();  // e.g. a stop sequence ended the task
        });
    }
};

}  // namespace

TEST_F(Speculator, DraftsFollowTheNextTokenWithLogits) {
    generating(4);
    spec.add(s, batch, 31);
    // history ... 10 11 12: the lookup continues with 13 10 11 12
    ASSERT_EQ(s.spec.draft, (std::vector<llama_token>{13, 10, 11, 12}));
    ASSERT_EQ(batch.n_tokens, 5);
    EXPECT_EQ(s.spec.draft_index, 1);
    for (int i = 1; i < 5; ++i) {
        EXPECT_EQ(batch.token[i], s.spec.draft[i - 1]);
        EXPECT_EQ(batch.pos[i], 6 + i);
        EXPECT_TRUE(batch.logits[i]);
    }
    EXPECT_EQ(s.cached.size(), 11u);
    EXPECT_EQ(s.spec.drafted, 4);
}

TEST_F(Speculator, DraftsStayWithinTheBudgetTheMicroBatchAndNumPredict) {
    // 1 2 3 was followed by 4 .. 20 1 2 3: a lookup of up to 20 tokens.
    std::vector<llama_token> history;
    for (llama_token t = 1; t <= 20; ++t) history.push_back(t);
    history.insert(history.end(), {1, 2});

    generating(16, -1, history, 3);
    spec.add(s, batch, 2);  // the batch has room for two more
    EXPECT_EQ(s.spec.draft, (std::vector<llama_token>{4, 5}));

    generating(16, -1, history, 3);
    spec.add(s, batch, 31);  // a micro-batch of 8 holds next + 7 drafts
    EXPECT_EQ(s.spec.draft.size(), 7u);

    generating(16, /*num_predict*/ 3, history, 3);  // one token generated: two more may follow
    spec.add(s, batch, 31);
    EXPECT_EQ(s.spec.draft.size(), 2u);

    generating(0, -1, history, 3);  // no drafting asked for
    spec.add(s, batch, 31);
    EXPECT_TRUE(s.spec.draft.empty());
    EXPECT_EQ(batch.n_tokens, 1);
}

TEST_F(Speculator, AllDraftsAcceptedKeepsThemAndSamplesOneMore) {
    generating(3);
    spec.add(s, batch, 31);
    ASSERT_EQ(s.spec.draft, (std::vector<llama_token>{13, 10, 11}));
    std::vector<int> at;
    EXPECT_EQ(verify({13, 10, 11, 99}, at), 10u);  // 7 before + 3 drafts
    EXPECT_EQ(at, (std::vector<int>{0, 1, 2, 3}));  // next's logits, then each draft's
    EXPECT_EQ(s.next, 99);
    EXPECT_EQ(s.spec.accepted, 3);
    EXPECT_TRUE(s.spec.draft.empty());
}

TEST_F(Speculator, AMismatchKeepsOnlyTheDraftsBeforeIt) {
    generating(3);
    spec.add(s, batch, 31);
    std::vector<int> at;
    EXPECT_EQ(verify({13, 42}, at), 8u);  // the first draft stays; 10 and 11 go
    EXPECT_EQ(at, (std::vector<int>{0, 1}));
    EXPECT_EQ(s.next, 42);
    EXPECT_EQ(s.spec.accepted, 1);
}

TEST_F(Speculator, ATaskThatEndsStopsTheVerification) {
    generating(3);
    spec.add(s, batch, 31);
    std::vector<int> at;
    EXPECT_EQ(verify({13, 10, 11, 99}, at, /*end_after*/ 2), 8u);
    EXPECT_EQ(at.size(), 2u);
    EXPECT_FALSE(s.busy());
}
