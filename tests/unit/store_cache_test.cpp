// The store's read cache (store/read_cache.h): listings and manifests are
// memoised, yet changes made behind the store's back (another process,
// Ollama sharing the directory) show up at once.
#include "store/digest.h"
#include "store/read_cache.h"
#include "store/store.h"

#include "temp_dir.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

using namespace lokal;
using namespace lokal::store;
namespace fs = std::filesystem;

namespace {

class StoreCacheTest : public ::testing::Test {
protected:
    void SetUp() override {
        root = tmp.path();
        s = std::make_unique<store::store>(root);
        ASSERT_TRUE(s->init());
    }
    manifest make_model(const std::string & name, const std::string & system) {
        manifest m;
        auto cfg = s->put_blob_bytes("{\"model_format\":\"gguf\"}\n");
        EXPECT_TRUE(cfg);
        m.config = layer{std::string(media_type::config), *cfg, 24, {}, {}};
        auto d = s->put_blob_bytes(system);
        EXPECT_TRUE(d);
        m.layers.push_back(layer{std::string(media_type::system), *d, static_cast<int64_t>(system.size()), {}, {}});
        EXPECT_TRUE(s->write_manifest(*parse_model_name(name), m));
        return m;
    }

    std::string manifest_file(const std::string & model, const std::string & tag) {
        return root + "/manifests/registry.ollama.ai/library/" + model + "/" + tag;
    }

    // Dates every directory of the manifests tree back, as if the tree had
    // not changed for a while: only then is a listing snapshot trusted.
    void age_manifest_dirs() {
        timespec old[2];
        clock_gettime(CLOCK_REALTIME, &old[0]);
        old[0].tv_sec -= 60;
        old[1] = old[0];
        for (const auto & e : fs::recursive_directory_iterator(root + "/manifests")) {
            if (e.is_directory()) {
                ASSERT_EQ(utimensat(AT_FDCWD, e.path().c_str(), old, 0), 0);
            }
        }
        ASSERT_EQ(utimensat(AT_FDCWD, (root + "/manifests").c_str(), old, 0), 0);
    }

    std::vector<std::string> names() {
        std::vector<std::string> v;
        for (const auto & e : s->list()) v.push_back(e.short_name);
        std::sort(v.begin(), v.end());
        return v;
    }

    lokal::test::temp_dir tmp{"lokal-cache"};
    std::string root;
    std::unique_ptr<store::store> s;
};

}  // namespace

TEST_F(StoreCacheTest, ListingSeesFilesAddedAndRemovedBehindItsBack) {
    make_model("a", "system a");
    age_manifest_dirs();
    EXPECT_EQ(names(), std::vector<std::string>{"a:latest"});  // the snapshot is trusted from here on
    EXPECT_EQ(names(), std::vector<std::string>{"a:latest"});

    // Another process adds a tag and a model, then removes one.
    fs::copy_file(manifest_file("a", "latest"), manifest_file("a", "v2"));
    EXPECT_EQ(names(), (std::vector<std::string>{"a:latest", "a:v2"}));
    age_manifest_dirs();
    names();
    fs::create_directories(root + "/manifests/registry.ollama.ai/library/b");
    fs::copy_file(manifest_file("a", "latest"), manifest_file("b", "latest"));
    EXPECT_EQ(names(), (std::vector<std::string>{"a:latest", "a:v2", "b:latest"}));
    age_manifest_dirs();
    names();
    fs::remove(manifest_file("a", "v2"));
    EXPECT_EQ(names(), (std::vector<std::string>{"a:latest", "b:latest"}));
}

TEST_F(StoreCacheTest, ManifestRewrittenInPlaceIsReadAgain) {
    make_model("a", "one");
    auto first = s->read_manifest(*parse_model_name("a"));
    ASSERT_TRUE(first);
    // Replace the manifest's content without a rename (same inode), as an
    // editor or a non-atomic writer would.
    auto other = make_model("other", "two, longer");
    std::ifstream in(manifest_file("other", "latest"), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::ofstream(manifest_file("a", "latest"), std::ios::binary | std::ios::trunc) << bytes;
    auto second = s->read_manifest(*parse_model_name("a"));
    ASSERT_TRUE(second);
    EXPECT_NE(second->digest, first->digest);
    EXPECT_EQ(second->digest, digest_of(bytes));
    EXPECT_EQ(second->m.layers.at(0).digest, other.layers.at(0).digest);
}

TEST_F(StoreCacheTest, RemovedBlobsAreNotServedFromTheCache) {
    auto m = make_model("a", "only a uses this");
    const std::string d = m.layers.at(0).digest;
    ASSERT_TRUE(s->read_blob(d, 1024));
    auto rec = s->resolve(*parse_model_name("a"));
    ASSERT_TRUE(rec);
    EXPECT_EQ(rec->system.value_or(""), "only a uses this");
    ASSERT_TRUE(s->remove(*parse_model_name("a")));
    auto gone = s->read_blob(d, 1024);
    ASSERT_FALSE(gone);
    EXPECT_EQ(gone.err().code, errc::not_found);
    EXPECT_FALSE(s->read_manifest(*parse_model_name("a")));
}

TEST(StoreCacheSnapshot, RecentlyModifiedDirectoriesAreNotTrusted) {
    lokal::test::temp_dir tmp("lokal-snap");
    const std::string & tmpl = tmp.path();
    listing_snapshot snap;
    snap.taken_ns = now_ns();
    snap.dirs.emplace_back(tmpl, *key_of(tmpl));
    EXPECT_FALSE(still_valid(snap));  // just created: a change in the same tick would go unseen
    snap.taken_ns += 5'000'000'000;   // as if taken five seconds later
    EXPECT_TRUE(still_valid(snap));
    std::ofstream(tmpl + "/new") << "x";
    EXPECT_FALSE(still_valid(snap));
}
