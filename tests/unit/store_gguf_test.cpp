#include "store/gguf.h"

#include "gguf_builder.h"
#include "test_data.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include <unistd.h>

using namespace lokal;
using namespace lokal::store;
using lokal::test::builder;
namespace fs = std::filesystem;

namespace {

using test::k_models;

// A small valid file: 2 KVs, one F32 tensor of 8 elements.
std::string small_model() {
    builder b;
    b.counts(1, 3).kv_str("general.architecture", "llama").kv_u32("llama.context_length", 128)
        .kv_f32("llama.attention.layer_norm_rms_epsilon", 1e-5f);
    b.tensor("w", {4, 2}, 0, 0).pad();
    b.out.append(32, '\0');
    return b.out;
}

std::string gguf_error_of(std::string_view data, const gguf::limits & lim = {}) {
    auto f = gguf::read_bytes(data, lim);
    return f ? std::string("ok") : f.err().message;
}

}  // namespace

TEST(StoreGguf, ReadsStories) {
    auto f = gguf::read_file(k_models + "stories260K.gguf");
    ASSERT_TRUE(f) << f.err().message;
    EXPECT_EQ(f->version, 3u);
    EXPECT_EQ(f->architecture(), "llama");
    EXPECT_EQ(f->parameter_count(), 292800u);
    EXPECT_EQ(f->file_type(), "F32");  // no general.file_type: guessed from the tensors
    EXPECT_EQ(f->context_length(), 2048u);
    EXPECT_EQ(f->chat_template(), "");
    EXPECT_FALSE(f->has_pooling());
    EXPECT_FALSE(f->is_projector());
    const gguf::kv * tokens = f->find("tokenizer.ggml.tokens");
    ASSERT_NE(tokens, nullptr);
    EXPECT_EQ(tokens->count, 512u);
    EXPECT_FALSE(tokens->materialised);
    json info = f->model_info(false);
    EXPECT_EQ(info["general.architecture"], "llama");
    EXPECT_EQ(info["general.parameter_count"], 292800);
    EXPECT_EQ(info["llama.context_length"], 2048);
    EXPECT_EQ(info["llama.attention.layer_norm_rms_epsilon"].get<double>(), 1e-5);
    EXPECT_TRUE(info["tokenizer.ggml.tokens"].is_null());
    EXPECT_FALSE(info.contains("general.name"));
    // keys are sorted, as Go prints a map
    std::string prev;
    for (auto it = info.begin(); it != info.end(); ++it) {
        EXPECT_LT(prev, it.key());
        prev = it.key();
    }
    json tensors = f->tensors_json();
    ASSERT_EQ(tensors.size(), 48u);
    EXPECT_EQ(tensors[0]["type"], "F32");
}

TEST(StoreGguf, VerboseMaterialisesArrays) {
    gguf::limits lim;
    lim.materialise_array = UINT64_MAX;
    auto f = gguf::read_file(k_models + "stories260K.gguf", lim);
    ASSERT_TRUE(f);
    json info = f->model_info(true);
    ASSERT_TRUE(info["tokenizer.ggml.tokens"].is_array());
    EXPECT_EQ(info["tokenizer.ggml.tokens"].size(), 512u);
    EXPECT_EQ(info["tokenizer.ggml.tokens"][0], "<unk>");
}

TEST(StoreGguf, ReadsTheOtherTestModels) {
    auto tiny = gguf::read_file(k_models + "llama-2-tiny-random.gguf");
    ASSERT_TRUE(tiny) << tiny.err().message;
    EXPECT_EQ(tiny->file_type(), "F16");
    EXPECT_EQ(tiny->find("tokenizer.ggml.tokens")->count, 32000u);

    auto proj = gguf::read_file(k_models + "mmproj-tinygemma3.gguf");
    ASSERT_TRUE(proj) << proj.err().message;
    EXPECT_EQ(proj->architecture(), "clip");
    EXPECT_TRUE(proj->is_projector());
    EXPECT_EQ(proj->file_type(), "Q8_0");

    auto phi = gguf::read_file(k_models + "vocab-only/ggml-vocab-phi-3.gguf");
    ASSERT_TRUE(phi) << phi.err().message;
    EXPECT_TRUE(phi->tensors.empty());
    EXPECT_EQ(phi->parameter_count(), 0u);
    EXPECT_NE(phi->chat_template().find("<|user|>"), std::string::npos);
    EXPECT_FALSE(phi->model_info(false).contains("tokenizer.chat_template"));

    auto bge = gguf::read_file(k_models + "vocab-only/ggml-vocab-bert-bge.gguf");
    ASSERT_TRUE(bge) << bge.err().message;
    EXPECT_EQ(bge->architecture(), "bert");
}

TEST(StoreGguf, SmallSyntheticFile) {
    auto f = gguf::read_bytes(small_model());
    ASSERT_TRUE(f) << f.err().message;
    EXPECT_EQ(f->parameter_count(), 8u);
    EXPECT_EQ(f->context_length(), 128u);
    EXPECT_EQ(f->data_offset % 32, 0u);
    EXPECT_EQ(f->tensors[0].bytes, 32u);
    EXPECT_TRUE(gguf::has_magic(small_model()));
}

TEST(StoreGguf, RefusesGarbage) {
    EXPECT_EQ(gguf_error_of(""), "not a GGUF file");
    EXPECT_EQ(gguf_error_of("GGU"), "not a GGUF file");
    EXPECT_EQ(gguf_error_of("PK\x03\x04 this is a zip"), "not a GGUF file");
    EXPECT_EQ(gguf_error_of(std::string(1000, '\0')), "not a GGUF file");
    EXPECT_EQ(gguf_error_of(std::string("FUGG") + std::string(20, '\0')), "big-endian GGUF files are not supported");
    EXPECT_EQ(gguf_error_of(builder(1).counts(0, 0).out), "unsupported GGUF version 1");
    EXPECT_EQ(gguf_error_of(builder(4).counts(0, 0).out), "unsupported GGUF version 4");
}

TEST(StoreGguf, EveryTruncationIsReported) {
    std::string good = small_model();
    ASSERT_TRUE(gguf::read_bytes(good));
    for (size_t n = 4; n < good.size(); ++n) {
        std::string msg = gguf_error_of(std::string_view(good).substr(0, n));
        EXPECT_EQ(msg.rfind("truncated GGUF file: ", 0), 0u) << n << ": " << msg;
    }
    auto real = gguf::read_file(k_models + "stories260K.gguf");
    ASSERT_TRUE(real);
    std::ifstream in(k_models + "stories260K.gguf", std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (size_t n : {size_t{10}, size_t{100}, size_t{5000}, size_t(real->data_offset), bytes.size() - 1}) {
        std::string msg = gguf_error_of(std::string_view(bytes).substr(0, n));
        EXPECT_EQ(msg.rfind("truncated GGUF file: ", 0), 0u) << n << ": " << msg;
    }
}

TEST(StoreGguf, HardCaps) {
    gguf::limits lim;
    lim.max_kv = 2;
    EXPECT_NE(gguf_error_of(small_model(), lim).find("keys, more than 2"), std::string::npos);
    lim = {};
    lim.max_string = 10;
    EXPECT_NE(gguf_error_of(small_model(), lim).find("more than 10"), std::string::npos);
    lim = {};
    lim.max_metadata_bytes = 40;
    EXPECT_NE(gguf_error_of(small_model(), lim).find("metadata is larger than 40 bytes"), std::string::npos);

    // A string length of 2^63 must not allocate or wrap.
    builder huge;
    huge.counts(0, 1).u64(uint64_t{1} << 63);
    EXPECT_NE(gguf_error_of(huge.out).find("more than"), std::string::npos);
    // An array claiming 2^40 elements.
    builder arr;
    arr.counts(0, 1).str("a").u32(9).u32(4).u64(uint64_t{1} << 40);
    EXPECT_NE(gguf_error_of(arr.out).find("elements, more than"), std::string::npos);
    // Nested arrays and unknown types.
    builder nested;
    nested.counts(0, 1).str("a").u32(9).u32(9).u64(1);
    EXPECT_NE(gguf_error_of(nested.out).find("nested arrays"), std::string::npos);
    builder badtype;
    badtype.counts(0, 1).str("a").u32(13);
    EXPECT_NE(gguf_error_of(badtype.out).find("invalid value type 13"), std::string::npos);
    // Absurd counts are refused before anything is read.
    builder many;
    many.counts(uint64_t{1} << 40, 0);
    EXPECT_NE(gguf_error_of(many.out).find("tensors, more than"), std::string::npos);
}

TEST(StoreGguf, BadTensors) {
    auto with_tensor = [](std::vector<uint64_t> shape, uint32_t type, uint64_t offset, size_t data) {
        builder b;
        b.counts(1, 1).kv_str("general.architecture", "llama").tensor("t", std::move(shape), type, offset).pad();
        b.out.append(data, '\0');
        return b.out;
    };
    EXPECT_EQ(gguf_error_of(with_tensor({4}, 0, 0, 16)), "ok");
    EXPECT_NE(gguf_error_of(with_tensor({4}, 0, 0, 15)).find("ends past the end"), std::string::npos);
    EXPECT_NE(gguf_error_of(with_tensor({4}, 0, 1, 64)).find("not aligned"), std::string::npos);
    EXPECT_NE(gguf_error_of(with_tensor({4}, 4, 0, 64)).find("unknown type 4"), std::string::npos);
    EXPECT_NE(gguf_error_of(with_tensor({4}, 99, 0, 64)).find("unknown type 99"), std::string::npos);
    EXPECT_NE(gguf_error_of(with_tensor({31}, 2, 0, 64)).find("block size"), std::string::npos);
    EXPECT_NE(gguf_error_of(with_tensor({1, 1, 1, 1, 1}, 0, 0, 64)).find("dimensions"), std::string::npos);
    EXPECT_NE(gguf_error_of(with_tensor({uint64_t{1} << 40, uint64_t{1} << 40}, 0, 0, 64)).find("too large"),
              std::string::npos);
    EXPECT_NE(gguf_error_of(with_tensor({4}, 0, uint64_t{1} << 63, 64)).find("ends past the end"), std::string::npos);

    builder dup;
    dup.counts(0, 2).kv_u32("a", 1).kv_u32("a", 2);
    EXPECT_NE(gguf_error_of(dup.out).find("duplicate key"), std::string::npos);
}

TEST(StoreGguf, InvalidUtf8IsReplaced) {
    builder b;
    b.counts(0, 1).kv_str("general.architecture", "ll\xffma");
    auto f = gguf::read_bytes(b.out);
    ASSERT_TRUE(f) << f.err().message;
    EXPECT_EQ(f->architecture(), "ll\xef\xbf\xbdma");
    EXPECT_NO_THROW((void)f->model_info(false).dump());
}

TEST(StoreGguf, FileTypeNames) {
    EXPECT_EQ(gguf::file_type_name(0), "F32");
    EXPECT_EQ(gguf::file_type_name(1), "F16");
    EXPECT_EQ(gguf::file_type_name(2), "Q4_0");
    EXPECT_EQ(gguf::file_type_name(7), "Q8_0");
    EXPECT_EQ(gguf::file_type_name(15), "Q4_K_M");
    EXPECT_EQ(gguf::file_type_name(32), "BF16");
    EXPECT_EQ(gguf::file_type_name(4), "unknown");
    EXPECT_EQ(gguf::file_type_name(1024), "unknown");
    EXPECT_EQ(gguf::tensor_type_name(12), "Q4_K");
}

TEST(StoreGguf, MissingFile) {
    auto f = gguf::read_file("/nonexistent/model.gguf");
    ASSERT_FALSE(f);
    EXPECT_EQ(f.err().code, errc::not_found);
}

TEST(StoreGguf, OverlappingTensorsAndLongNamesAreRefused) {
    builder b;
    b.counts(2, 0).tensor("a", {8}, 0, 0).tensor("b", {8}, 0, 0).pad();  // both at offset 0
    b.out.append(64, '\0');
    EXPECT_NE(gguf_error_of(b.out).find("overlap"), std::string::npos);

    builder ok;
    ok.counts(2, 0).tensor("a", {8}, 0, 0).tensor("b", {8}, 0, 32).pad();
    ok.out.append(64, '\0');
    EXPECT_EQ(gguf_error_of(ok.out), "ok");

    builder longname;
    longname.counts(1, 0).tensor(std::string(64, 'n'), {8}, 0, 0).pad();
    longname.out.append(32, '\0');
    EXPECT_NE(gguf_error_of(longname.out).find("longer than 63"), std::string::npos);
}

TEST(StoreGguf, ValidateFileGivesReasonsWithoutPaths) {
    auto dir = fs::temp_directory_path() / ("gguf-validate-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    auto write = [&](const std::string & name, const std::string & bytes) {
        auto p = (dir / name).string();
        std::ofstream(p, std::ios::binary) << bytes;
        return p;
    };
    EXPECT_TRUE(gguf::validate_file(write("good.gguf", small_model())));
    std::string truncated = small_model();
    truncated.resize(truncated.size() - 1);
    auto st = gguf::validate_file(write("bad.gguf", truncated));
    ASSERT_FALSE(st);
    EXPECT_EQ(st.err().code, errc::invalid_request);
    EXPECT_NE(st.err().message.find("invalid GGUF file: truncated"), std::string::npos);
    EXPECT_EQ(st.err().message.find(dir.string()), std::string::npos);
    auto missing = gguf::validate_file((dir / "missing.gguf").string());
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.err().message.find(dir.string()), std::string::npos);
    // Blobs that are not GGUF at all are not its business; ones that claim to be are.
    EXPECT_TRUE(gguf::validate_if_gguf(write("license.txt", "MIT License")));
    EXPECT_FALSE(gguf::validate_if_gguf(write("fake.bin", "GGUF\x03\0\0\0garbage")));
    fs::remove_all(dir);
}
