#include "sched/memory.h"

#include "store/gguf.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace lokal::sched {

namespace {

// Bytes per 1024 cache elements of a KV-cache type: quantized types store
// blocks of 32 values plus their scales (ggml's block sizes).
uint64_t kv_bytes_per_1024(const std::string & type) {
    if (type == "f32") return 4096;
    if (type == "q8_0") return 1088;               // 34 bytes per 32
    if (type == "q4_0" || type == "iq4_nl") return 576;  // 18 per 32
    if (type == "q4_1") return 640;                // 20 per 32
    if (type == "q5_0") return 704;                // 22 per 32
    if (type == "q5_1") return 768;                // 24 per 32
    return 2048;                                   // f16, bf16
}

// <arch>.<key> as an unsigned integer; for per-layer arrays the largest
// element (some models vary head counts by layer).
uint64_t arch_uint(const store::gguf::file & f, const std::string & key, uint64_t fallback) {
    const auto * kv = f.find(f.architecture() + "." + key);
    if (!kv) return fallback;
    if (!kv->is_array()) return f.get_uint(kv->key).value_or(fallback);
    uint64_t best = 0;
    if (kv->value.is_array()) {
        for (const auto & v : kv->value) {
            if (v.is_number_unsigned()) best = std::max<uint64_t>(best, v.get<uint64_t>());
        }
    }
    return best ? best : fallback;
}

uint64_t tensor_bytes(const store::gguf::file & f) {
    uint64_t sum = 0;
    for (const auto & t : f.tensors) sum += t.bytes;
    return sum;
}

uint64_t vocab_size(const store::gguf::file & f) {
    if (const auto * kv = f.find("tokenizer.ggml.tokens"); kv && kv->is_array()) return kv->count;
    return arch_uint(f, "vocab_size", 32000);
}

}  // namespace

memory_need estimate_memory(const store::gguf::file & f, const engine::load_params & p) {
    memory_need need;
    need.weights = tensor_bytes(f);

    const uint64_t layers = arch_uint(f, "block_count", 0);
    const uint64_t embd = arch_uint(f, "embedding_length", 0);
    const uint64_t heads = std::max<uint64_t>(arch_uint(f, "attention.head_count", 1), 1);
    const uint64_t heads_kv = arch_uint(f, "attention.head_count_kv", heads);
    const uint64_t key_len = arch_uint(f, "attention.key_length", embd / heads);
    const uint64_t value_len = arch_uint(f, "attention.value_length", embd / heads);
    const uint64_t tokens = static_cast<uint64_t>(std::max(p.num_ctx, 1)) * std::max(p.num_parallel, 1);
    // A full-size cache in every layer: llama.cpp keeps them even for
    // sliding-window layers unless told otherwise.
    need.kv_cache = layers * tokens * heads_kv * (key_len + value_len) * kv_bytes_per_1024(p.kv_cache_type) / 1024;

    // The worst-case graph computes logits for a whole batch in f32, plus
    // activations of a few embedding/feed-forward rows per token.
    const uint64_t batch = static_cast<uint64_t>(std::max(p.num_batch, 1));
    const uint64_t ff = arch_uint(f, "feed_forward_length", 4 * embd);
    need.compute = batch * (vocab_size(f) + 4 * std::max(embd, ff)) * 4;
    return need;
}

result<memory_need> estimate_memory(const engine::load_params & p) {
    auto model = store::gguf::read_file(p.model_path);
    if (!model) return model.err();
    memory_need need = estimate_memory(*model, p);
    std::error_code ec;
    if (!p.projector_path.empty()) need.weights += std::filesystem::file_size(p.projector_path, ec);
    for (const auto & a : p.adapter_paths) need.weights += std::filesystem::file_size(a, ec);
    if (!p.draft_path.empty()) {
        // The draft model gets its own context of the same size.
        auto draft = store::gguf::read_file(p.draft_path);
        if (!draft) return draft.err();
        memory_need d = estimate_memory(*draft, p);
        need.weights += d.weights;
        need.kv_cache += d.kv_cache;
        need.compute += d.compute;
    }
    return need;
}

uint64_t available_system_memory() {
    std::ifstream in("/proc/meminfo");
    std::string key;
    uint64_t kib = 0;
    std::string unit;
    while (in >> key >> kib) {
        std::getline(in, unit);
        if (key == "MemAvailable:") return kib * 1024;
    }
    return UINT64_MAX;  // unknown: do not refuse on a guess
}

std::string format_memory(uint64_t b) {
    char buf[32];
    const double kib = 1024.0, mib = kib * 1024, gib = mib * 1024;
    if (b >= gib) {
        std::snprintf(buf, sizeof buf, "%.1f GiB", b / gib);
    } else if (b >= mib) {
        std::snprintf(buf, sizeof buf, "%.1f MiB", b / mib);
    } else if (b >= kib) {
        std::snprintf(buf, sizeof buf, "%.1f KiB", b / kib);
    } else {
        std::snprintf(buf, sizeof buf, "%" PRIu64 " B", b);
    }
    return buf;
}

}  // namespace lokal::sched
