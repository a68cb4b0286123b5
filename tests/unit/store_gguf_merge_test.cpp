// Merging split GGUF files (gguf-split's layout) into one, and creating a
// model from split parts.
#include "store/create.h"
#include "store/files.h"
#include "store/gguf.h"
#include "store/gguf_merge.h"
#include "store/store.h"

#include "gguf_builder.h"

#include "temp_dir.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

using namespace lokal;
using namespace lokal::store;
using lokal::test::builder;
namespace fs = std::filesystem;

namespace {

// Part no of a 2-part model, as gguf-split writes it: split.* keys (u16
// numbers), the model's metadata only in the first part, and one F32 tensor
// of n elements whose values are base, base+1, ...
std::string part(uint16_t no, const std::string & tensor, uint64_t n, float base, uint16_t count = 2) {
    builder b;
    b.counts(1, no == 0 ? 5 : 2);
    if (no == 0) b.kv_str("general.architecture", "llama").kv_u32("llama.context_length", 64);
    b.kv_u16("split.no", no).kv_u16("split.count", count);
    if (no == 0) b.str("split.tensors.count").u32(5).u32(2);  // i32, as gguf-split writes it
    b.tensor(tensor, {n}, 0, 0).pad();
    for (uint64_t i = 0; i < n; ++i) {
        float v = base + static_cast<float>(i);
        b.raw(&v, 4);
    }
    return b.out;
}

std::vector<float> tensor_values(const std::string & bytes, const gguf::file & f, const std::string & name) {
    for (const auto & t : f.tensors) {
        if (t.name != name) continue;
        std::vector<float> out(t.elements);
        std::memcpy(out.data(), bytes.data() + f.data_offset + t.offset, t.bytes);
        return out;
    }
    return {};
}

class MergeTest : public ::testing::Test {
protected:
    void SetUp() override {
        root = tmp.path();
        s = std::make_unique<store::store>(root);
        ASSERT_TRUE(s->init());
    }
    std::string upload(const std::string & bytes) { return *s->put_blob_bytes(bytes); }

    lokal::test::temp_dir tmp{"lokal-merge"};
    std::string root;
    std::unique_ptr<store::store> s;
};

}  // namespace

TEST_F(MergeTest, MergesPartsInSplitOrder) {
    std::vector<std::string> bytes = {part(1, "b", 3, 100), part(0, "a", 10, 1)};  // given out of order
    std::vector<gguf::file> metas;
    std::vector<const gguf::file *> ptrs;
    for (const auto & b : bytes) metas.push_back(*gguf::read_bytes(b));
    for (const auto & m : metas) ptrs.push_back(&m);
    ASSERT_TRUE(gguf::is_split(metas[0]));
    auto order = gguf::order_splits(ptrs);
    ASSERT_TRUE(order) << order.err().message;
    EXPECT_EQ(*order, (std::vector<size_t>{1, 0}));

    std::vector<std::string> paths;
    std::vector<const gguf::file *> ordered;
    for (size_t i : *order) {
        paths.push_back(root + "/part" + std::to_string(i));
        std::ofstream(paths.back(), std::ios::binary) << bytes[i];
        ordered.push_back(ptrs[i]);
    }
    auto tmp = files::temp_file::create(root);
    ASSERT_TRUE(tmp);
    ASSERT_TRUE(gguf::write_merged(paths, ordered, *tmp));
    std::ifstream in(tmp->path(), std::ios::binary);
    std::string merged((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_TRUE(gguf::validate_file(tmp->path()));
    auto m = gguf::read_bytes(merged);
    ASSERT_TRUE(m) << m.err().message;
    EXPECT_FALSE(gguf::is_split(*m));
    ASSERT_EQ(m->kvs.size(), 2u);  // split.* dropped, the rest kept in order
    EXPECT_EQ(m->kvs[0].key, "general.architecture");
    EXPECT_EQ(m->get_uint("llama.context_length"), 64u);
    ASSERT_EQ(m->tensors.size(), 2u);
    EXPECT_EQ(m->tensors[0].name, "a");
    EXPECT_EQ(m->tensors[1].name, "b");
    EXPECT_EQ(tensor_values(merged, *m, "a"), (std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
    EXPECT_EQ(tensor_values(merged, *m, "b"), (std::vector<float>{100, 101, 102}));
    // what the plan predicts is what was written
    gguf::file predicted = gguf::merged_metadata(ordered);
    EXPECT_EQ(predicted.file_size, merged.size());
    EXPECT_EQ(predicted.parameter_count(), 13u);
}

TEST_F(MergeTest, IncompleteOrMixedPartsAreRefused) {
    auto err = [](const std::vector<std::string> & bytes) {
        std::vector<gguf::file> metas;
        std::vector<const gguf::file *> ptrs;
        for (const auto & b : bytes) metas.push_back(*gguf::read_bytes(b));
        for (const auto & m : metas) ptrs.push_back(&m);
        auto o = gguf::order_splits(ptrs);
        return o ? std::string("ok") : o.err().message;
    };
    EXPECT_EQ(err({part(0, "a", 2, 0)}), "the split GGUF model has 2 parts, but 1 were given");
    EXPECT_EQ(err({part(0, "a", 2, 0), part(0, "b", 2, 0)}), "split GGUF part 1 is given twice or is out of range");
    EXPECT_EQ(err({part(0, "a", 2, 0), part(1, "a", 2, 0)}), "split GGUF parts both hold tensor a");
    EXPECT_EQ(err({part(0, "a", 2, 0), part(1, "b", 2, 0, 3)}), "the split GGUF files are parts of different models");
    EXPECT_EQ(err({part(1, "b", 2, 0), part(1, "a", 2, 0)}), "split GGUF part 2 is given twice or is out of range");
}

TEST_F(MergeTest, CreateMergesThePartsIntoOneModelLayer) {
    std::string d0 = upload(part(0, "a", 10, 1)), d1 = upload(part(1, "b", 3, 100));
    create_request r;
    r.name = *parse_model_name("split");
    r.files = {{"m-00002-of-00002.gguf", d1}, {"m-00001-of-00002.gguf", d0}};
    auto plan = plan_create(*s, r);
    ASSERT_TRUE(plan) << plan.err().message;
    EXPECT_EQ(plan->config.model_type, "13");
    std::vector<std::string> statuses;
    ASSERT_TRUE(execute_create(*s, *plan, [&](const std::string & l) {
        statuses.push_back(l);
        return true;
    }));
    EXPECT_EQ(statuses[2], "merging 2 split GGUF files");
    auto e = s->read_manifest(r.name);
    ASSERT_TRUE(e);
    ASSERT_EQ(e->m.layers.size(), 1u);
    const layer & l = e->m.layers[0];
    EXPECT_EQ(l.media_type, media_type::model);
    EXPECT_EQ(statuses[3], "creating new layer " + l.digest);
    auto merged = gguf::read_file(*s->blob_path(l.digest));
    ASSERT_TRUE(merged);
    EXPECT_EQ(static_cast<int64_t>(merged->file_size), l.size);
    EXPECT_EQ(merged->tensors.size(), 2u);
    // the parts were consumed
    EXPECT_FALSE(s->has_blob(d0));
    EXPECT_FALSE(s->has_blob(d1));

    // a model file next to the parts is ambiguous
    std::string d2 = upload(part(0, "a", 10, 1)), d3 = upload(part(1, "b", 3, 100));
    r.files.push_back({"other.gguf", *s->put_blob_bytes(std::string(*s->read_blob(l.digest, 1 << 20)))});
    r.files[0].second = d3;
    r.files[1].second = d2;
    auto bad = plan_create(*s, r);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.err().message, "a model file and the parts of a split model were both given; give one model");
}
