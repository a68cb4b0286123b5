// Memory estimates from real GGUF metadata, and the byte format of messages.
#include "sched/memory.h"
#include "store/gguf.h"

#include <gtest/gtest.h>

#include <filesystem>

using namespace lokal;

namespace {
const std::string k_models = std::string(LOKAL_SHARED_DIR) + "/models/";
}

TEST(sched_memory, weights_are_the_tensor_data_of_the_file) {
    engine::load_params p;
    p.model_path = k_models + "llama-2-tiny-random.gguf";
    auto need = sched::estimate_memory(p);
    ASSERT_TRUE(need.ok()) << need.err().message;
    const auto size = std::filesystem::file_size(p.model_path);
    EXPECT_LE(need->weights, size);
    EXPECT_GT(need->weights, size / 2);  // the rest is the vocabulary in the header
}

TEST(sched_memory, kv_cache_follows_llama_cpp_f16_layout) {
    // stories260K: 5 layers, 4 KV heads of 8 dimensions for K and for V.
    auto f = store::gguf::read_file(k_models + "stories260K.gguf");
    ASSERT_TRUE(f.ok());
    engine::load_params p;
    p.num_ctx = 1000;
    p.num_parallel = 3;
    auto need = sched::estimate_memory(*f, p);
    EXPECT_EQ(need.kv_cache, 5ull * 3000 * 4 * (8 + 8) * 2);
    p.num_parallel = 6;
    EXPECT_EQ(sched::estimate_memory(*f, p).kv_cache, 2 * need.kv_cache);
}

TEST(sched_memory, quantized_kv_cache_types_take_their_block_size) {
    auto f = store::gguf::read_file(k_models + "stories260K.gguf");
    ASSERT_TRUE(f.ok());
    engine::load_params p;
    p.num_ctx = 1024;
    const uint64_t f16 = sched::estimate_memory(*f, p).kv_cache;
    p.kv_cache_type = "q8_0";  // 34 bytes per 32 values
    EXPECT_EQ(sched::estimate_memory(*f, p).kv_cache, f16 * 34 / 64);
    p.kv_cache_type = "q4_0";  // 18 bytes per 32 values
    EXPECT_EQ(sched::estimate_memory(*f, p).kv_cache, f16 * 18 / 64);
    p.kv_cache_type = "f32";
    EXPECT_EQ(sched::estimate_memory(*f, p).kv_cache, f16 * 2);
}

TEST(sched_memory, compute_grows_with_batch_and_vocabulary) {
    auto f = store::gguf::read_file(k_models + "llama-2-tiny-random.gguf");
    ASSERT_TRUE(f.ok());
    engine::load_params p;
    p.num_batch = 512;
    auto big = sched::estimate_memory(*f, p).compute;
    EXPECT_GE(big, 512ull * 32000 * 4);  // f32 logits for a whole batch
    p.num_batch = 64;
    EXPECT_LT(sched::estimate_memory(*f, p).compute, big);
}

TEST(sched_memory, unreadable_model_is_an_error) {
    engine::load_params p;
    p.model_path = k_models + "SHA256SUMS";
    auto need = sched::estimate_memory(p);
    ASSERT_FALSE(need.ok());
    EXPECT_EQ(need.err().message, "not a GGUF file");
}

TEST(sched_memory, system_memory_is_known_on_linux) {
    auto free = sched::available_system_memory();
    EXPECT_GT(free, 0u);
    EXPECT_LT(free, UINT64_MAX);
}

TEST(sched_memory, formats_bytes_as_ollama) {
    EXPECT_EQ(sched::format_memory(12), "12 B");
    EXPECT_EQ(sched::format_memory(2048), "2.0 KiB");
    EXPECT_EQ(sched::format_memory(512ull << 20), "512.0 MiB");
    EXPECT_EQ(sched::format_memory(2469606195ull), "2.3 GiB");
}

TEST(sched_memory, a_draft_model_adds_its_weights_and_a_cache_of_the_same_size) {
    engine::load_params p;
    p.model_path = k_models + "llama-2-tiny-random.gguf";
    p.num_ctx = 512;
    auto alone = sched::estimate_memory(p);
    ASSERT_TRUE(alone.ok());
    p.draft_path = k_models + "stories260K.gguf";
    auto both = sched::estimate_memory(p);
    ASSERT_TRUE(both.ok()) << both.err().message;
    auto f = store::gguf::read_file(p.draft_path);
    ASSERT_TRUE(f.ok());
    const auto draft = sched::estimate_memory(*f, p);
    EXPECT_EQ(both->weights, alone->weights + draft.weights);
    EXPECT_EQ(both->kv_cache, alone->kv_cache + draft.kv_cache);
    EXPECT_EQ(both->compute, alone->compute + draft.compute);
    p.draft_path = k_models + "missing.gguf";
    EXPECT_FALSE(sched::estimate_memory(p).ok());
}
