// Memory estimates from real GGUF metadata, and the byte format of messages.
#include "core/meminfo.h"
#include "gguf_builder.h"
#include "sched/memory.h"
#include "store/gguf.h"
#include "test_data.h"

#include <gtest/gtest.h>

#include <filesystem>

using namespace lokal;

namespace {
using test::k_models;
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
    p.num_ctx = 1000;  // padded to 1024 cells, as llama.cpp does
    p.num_parallel = 3;
    auto need = sched::estimate_memory(*f, p);
    EXPECT_EQ(need.kv_cache, 5ull * 3 * 1024 * 4 * (8 + 8) * 2);
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
    auto big = sched::estimate_memory(*f, p);
    // A GPU commits f32 logits for a whole batch; a CPU load touches one
    // row per sequence and the vocabulary tables.
    EXPECT_GE(big.costs.device_compute, 512ull * 32000 * 4);
    EXPECT_LT(big.compute, 512ull * 32000 * 4);
    EXPECT_GE(big.compute, 32000ull * 4 + 32000 * 160);
    EXPECT_EQ(big.compute, big.costs.host_compute);
    p.num_batch = 64;
    EXPECT_LT(sched::estimate_memory(*f, p).costs.device_compute, big.costs.device_compute);
    EXPECT_LT(sched::estimate_memory(*f, p).compute, big.compute);
    // Flash attention off: the f32 attention scores of a batch, per head.
    p.flash_attention = 1;
    const uint64_t with_fa = sched::estimate_memory(*f, p).compute;
    p.flash_attention = 0;
    const uint64_t heads = f->get_uint("llama.attention.head_count").value_or(0);
    ASSERT_GT(heads, 0u);
    EXPECT_EQ(sched::estimate_memory(*f, p).compute - with_fa, 64ull * 4096 * heads * 4);
}

TEST(sched_memory, unreadable_model_is_an_error) {
    engine::load_params p;
    p.model_path = k_models + "SHA256SUMS";
    auto need = sched::estimate_memory(p);
    ASSERT_FALSE(need.ok());
    EXPECT_EQ(need.err().message, "not a GGUF file");
}

TEST(sched_memory, system_memory_is_known_on_linux) {
    auto free = available_system_memory();
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

namespace {

// A Gemma 3 270M-shaped header: 18 layers, one KV head of 256 dimensions,
// a 512-token window in five of every six layers, tied embeddings.
std::string gemma3_like(const std::vector<bool> & pattern = {}, const std::string & arch = "gemma3") {
    test::builder b;
    const int layers = 18;
    b.counts(layers + 2, 10 + (pattern.empty() ? 0 : 1)).kv_str("general.architecture", arch);
    for (auto [k, v] : {std::pair{"block_count", 18}, {"context_length", 32768}, {"embedding_length", 640},
                        {"feed_forward_length", 2048}, {"attention.head_count", 4}, {"attention.head_count_kv", 1},
                        {"attention.key_length", 256}, {"attention.value_length", 256}, {"attention.sliding_window", 512}}) {
        b.kv_u32(arch + "." + k, static_cast<uint32_t>(v));
    }
    if (!pattern.empty()) b.kv_bools(arch + ".attention.sliding_window_pattern", pattern);
    uint64_t offset = 0;
    for (int il = 0; il < layers; ++il, offset += 32) b.tensor("blk." + std::to_string(il) + ".attn_k.weight", {8}, 0, offset);
    b.tensor("token_embd.weight", {64}, 0, offset).tensor("output_norm.weight", {8}, 0, offset + 256).pad();
    b.out.append(offset + 288, '\0');
    return b.out;
}

}  // namespace

TEST(sched_memory, sliding_window_layers_hold_window_plus_a_batch) {
    auto f = store::gguf::read_bytes(gemma3_like());
    ASSERT_TRUE(f.ok()) << f.err().message;
    engine::load_params p;  // num_ctx 4096, num_batch 512
    auto cells = sched::kv_cells_per_layer(*f, p);
    ASSERT_EQ(cells.size(), 18u);
    for (size_t il = 0; il < 18; ++il) EXPECT_EQ(cells[il], il % 6 == 5 ? 4096u : 1024u) << il;
    // 3 full layers of 4 MiB, 15 of 1 MiB: llama.cpp's own no-alloc
    // measurement of the real Gemma 3 270M gives the same 28311552 bytes.
    EXPECT_EQ(sched::estimate_memory(*f, p).kv_cache, 28311552u);
    p.num_parallel = 2;  // a cache per sequence
    EXPECT_EQ(sched::estimate_memory(*f, p).kv_cache, 2 * 28311552u);
}

TEST(sched_memory, small_contexts_and_batches_cap_the_window) {
    auto f = store::gguf::read_bytes(gemma3_like());
    ASSERT_TRUE(f.ok());
    engine::load_params p;
    p.num_ctx = 300;  // padded to 512, smaller than window + batch
    for (auto c : sched::kv_cells_per_layer(*f, p)) EXPECT_EQ(c, 512u);
    p.num_ctx = 4096;
    p.num_batch = 64;  // window 512 + 64, padded to 768
    EXPECT_EQ(sched::kv_cells_per_layer(*f, p)[0], 768u);
    p.draft_path = "draft.gguf";  // the window cache with a draft model too (swa_full off)
    EXPECT_EQ(sched::kv_cells_per_layer(*f, p)[0], 768u);
}

TEST(sched_memory, a_pattern_array_in_the_gguf_wins_and_unknown_architectures_count_full) {
    std::vector<bool> pattern(18, false);
    pattern[0] = pattern[1] = true;
    auto f = store::gguf::read_bytes(gemma3_like(pattern));
    ASSERT_TRUE(f.ok()) << f.err().message;
    engine::load_params p;
    auto cells = sched::kv_cells_per_layer(*f, p);
    EXPECT_EQ(cells[0], 1024u);
    EXPECT_EQ(cells[1], 1024u);
    EXPECT_EQ(cells[2], 4096u);
    EXPECT_EQ(cells[5], 4096u);
    // A window key on an architecture llama.cpp does not slide for: full.
    auto other = store::gguf::read_bytes(gemma3_like({}, "llama"));
    ASSERT_TRUE(other.ok());
    for (auto c : sched::kv_cells_per_layer(*other, p)) EXPECT_EQ(c, 4096u);
    // gpt-oss: every other layer slides.
    auto oss = store::gguf::read_bytes(gemma3_like({}, "gpt-oss"));
    ASSERT_TRUE(oss.ok());
    cells = sched::kv_cells_per_layer(*oss, p);
    EXPECT_EQ(cells[0], 1024u);
    EXPECT_EQ(cells[1], 4096u);
}

TEST(sched_memory, costs_split_the_model_the_way_llama_cpp_places_it) {
    auto f = store::gguf::read_bytes(gemma3_like());
    ASSERT_TRUE(f.ok());
    engine::load_params p;
    auto need = sched::estimate_memory(*f, p);
    const auto & c = need.costs;
    ASSERT_EQ(c.blocks.size(), 18u);
    EXPECT_EQ(c.blocks[0], 32u + 1024 * 512 * 2);  // weights + its window cache
    EXPECT_EQ(c.blocks[5], 32u + 4096 * 512 * 2);
    EXPECT_EQ(c.input, 256u);                      // token embeddings
    EXPECT_EQ(c.output_copy, 256u);                // tied: the GPU gets a copy
    EXPECT_EQ(c.output, 32u + 256);
    EXPECT_EQ(need.weights, 18u * 32 + 256 + 32);  // the copy costs no system memory
    uint64_t blocks = 0;
    for (auto b : c.blocks) blocks += b;
    EXPECT_EQ(blocks, 18u * 32 + need.kv_cache);
}
