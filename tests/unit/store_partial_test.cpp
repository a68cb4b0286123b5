// Partial downloads: part layout, resume from the state file, bounds,
// verification, locking and the stale-partial sweep.
#include "store/digest.h"
#include "store/files.h"
#include "store/partial.h"

#include "temp_dir.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

using namespace lokal;
using namespace lokal::store;
namespace fs = std::filesystem;

namespace {

class PartialTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir = tmp.path();
    }
    std::unique_ptr<partial_blob> open(int parts, int64_t min_part) {
        auto p = partial_blob::open(dir, digest, static_cast<int64_t>(data.size()),
                                    split_parts(static_cast<int64_t>(data.size()), parts, min_part));
        EXPECT_TRUE(p) << p.err().message;
        return p ? std::move(*p) : nullptr;
    }
    std::string file(const std::string & suffix) const { return dir + "/" + blob_file_name(digest) + suffix; }

    lokal::test::temp_dir tmp{"lokal-partial"};
    std::string dir;
    std::string data = std::string(1000, 'a') + std::string(1000, 'b') + "tail";
    std::string digest = digest_of(data);
};

TEST(SplitParts, SmallBlobsAreOnePartLargeOnesAreCapped) {
    EXPECT_EQ(split_parts(100, 8, 1000).size(), 1u);
    auto p = split_parts(10000, 4, 1000);
    ASSERT_EQ(p.size(), 4u);
    EXPECT_EQ(p[0].start, 0);
    EXPECT_EQ(p[3].end, 10000);
    for (size_t i = 1; i < p.size(); ++i) EXPECT_EQ(p[i].start, p[i - 1].end);
    EXPECT_EQ(split_parts(2500, 8, 1000).size(), 2u);
}

TEST_F(PartialTest, ResumesFromTheCheckpointAndFinishes) {
    {
        auto p = open(3, 500);
        ASSERT_TRUE(p);
        EXPECT_FALSE(p->resumed());
        ASSERT_EQ(p->part_count(), 3u);
        auto r = p->part(1);
        ASSERT_TRUE(p->write(1, data.data() + r.start, 100));
        ASSERT_TRUE(p->checkpoint(true));
        ASSERT_TRUE(p->write(1, data.data() + r.start + 100, 50));  // written but never recorded
    }  // "killed": the files stay
    auto p = open(3, 500);
    ASSERT_TRUE(p);
    EXPECT_TRUE(p->resumed());
    EXPECT_EQ(p->done(), 100);
    for (size_t i = 0; i < p->part_count(); ++i) {
        auto r = p->part(i);
        ASSERT_TRUE(p->write(i, data.data() + r.start + r.done, static_cast<size_t>(r.length() - r.done)));
    }
    EXPECT_TRUE(p->complete());
    ASSERT_TRUE(p->finish(file("")));
    std::ifstream in(file(""), std::ios::binary);
    std::string got((std::istreambuf_iterator<char>(in)), {});
    EXPECT_EQ(got, data);
    EXPECT_FALSE(fs::exists(file(".partial")));
    EXPECT_FALSE(fs::exists(file(".partial.json")));
}

TEST_F(PartialTest, WritingPastAPartIsRefused) {
    auto p = open(2, 500);
    ASSERT_TRUE(p);
    auto r = p->part(0);
    std::string too_much(static_cast<size_t>(r.length() + 1), 'x');
    auto st = p->write(0, too_much.data(), too_much.size());
    ASSERT_FALSE(st);
    EXPECT_EQ(st.err().code, errc::too_large);
}

TEST_F(PartialTest, WrongBytesAreDeletedNotNamed) {
    auto p = open(1, 0);
    ASSERT_TRUE(p);
    std::string wrong(data.size(), 'z');
    ASSERT_TRUE(p->write(0, wrong.data(), wrong.size()));
    auto st = p->finish(file(""));
    ASSERT_FALSE(st);
    EXPECT_EQ(st.err().code, errc::invalid_request);
    EXPECT_NE(st.err().message.find("digest mismatch"), std::string::npos);
    EXPECT_FALSE(fs::exists(file("")));
    EXPECT_FALSE(fs::exists(file(".partial")));
}

TEST_F(PartialTest, OneDownloadAtATime) {
    auto p = open(1, 0);
    ASSERT_TRUE(p);
    auto second = partial_blob::open(dir, digest, static_cast<int64_t>(data.size()), split_parts(10, 1, 0));
    ASSERT_FALSE(second);
    EXPECT_EQ(second.err().code, errc::conflict);
}

TEST_F(PartialTest, AStateForAnotherSizeStartsOver) {
    {
        auto p = open(1, 0);
        ASSERT_TRUE(p->write(0, data.data(), 10));
        ASSERT_TRUE(p->checkpoint(true));
    }
    ASSERT_TRUE(files::write_atomic(file(".partial.json"), R"({"digest":"x","size":1,"parts":[[0,1,1]]})"));
    auto p = open(1, 0);
    ASSERT_TRUE(p);
    EXPECT_FALSE(p->resumed());
    EXPECT_EQ(p->done(), 0);
}

TEST_F(PartialTest, SweepKeepsValidAndLockedPartials) {
    auto held = open(1, 0);  // locked: a download in progress is never swept
    ASSERT_TRUE(held);
    ASSERT_TRUE(files::write_atomic(dir + "/sha256-" + std::string(64, 'c') + ".partial", "junk"));
    ASSERT_TRUE(files::write_atomic(dir + "/sha256-" + std::string(64, 'd') + ".partial.json", "{}"));
    EXPECT_EQ(remove_stale_partials(dir, std::chrono::hours(24)), 2);
    EXPECT_TRUE(fs::exists(file(".partial")));
    EXPECT_TRUE(fs::exists(file(".partial.json")));
}

}  // namespace
