#include "sched/memory.h"

#include "store/gguf.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <filesystem>
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

uint64_t vocab_size(const store::gguf::file & f) {
    if (const auto * kv = f.find("tokenizer.ggml.tokens"); kv && kv->is_array()) return kv->count;
    return arch_uint(f, "vocab_size", 32000);
}

// Element il of a per-layer array key, or the scalar value.
uint64_t arch_uint_at(const store::gguf::file & f, const std::string & key, size_t il, uint64_t fallback) {
    const auto * kv = f.find(f.architecture() + "." + key);
    if (kv && kv->is_array() && kv->value.is_array() && il < kv->value.size() && kv->value[il].is_number_unsigned()) {
        return kv->value[il].get<uint64_t>();
    }
    return kv && !kv->is_array() ? f.get_uint(kv->key).value_or(fallback) : fallback;
}

// llama.cpp's sliding-window layout: architectures with interleaved
// window/full layers, their pattern period (every n-th layer is full
// attention; llama_hparams::set_swa_pattern) and a default window. A GGUF
// array <arch>.attention.sliding_window_pattern overrides the period.
struct swa_arch {
    const char * arch;
    uint32_t period;
    uint32_t default_window;  // 0: only when the GGUF states one
};
constexpr swa_arch k_swa_archs[] = {
    {"gemma2", 2, 4096}, {"gemma3", 6, 0},  {"gemma3n", 5, 0}, {"gemma-embedding", 6, 0},
    {"cohere2", 4, 0},   {"gpt-oss", 2, 0}, {"exaone4", 4, 0}, {"olmo2", 4, 0},
};

// Which layers use a sliding window; empty when none does (unknown
// architectures count as full attention: an estimate that errs high).
std::vector<bool> sliding_layers(const store::gguf::file & f, size_t n_layer, uint64_t & window) {
    const std::string arch = f.architecture();
    const swa_arch * known = nullptr;
    for (const auto & a : k_swa_archs) {
        if (arch == a.arch) known = &a;
    }
    const auto * pattern = f.find(arch + ".attention.sliding_window_pattern");
    window = arch_uint(f, "attention.sliding_window", known ? known->default_window : 0);
    if (window == 0) return {};
    std::vector<bool> swa(n_layer, false);
    if (pattern && pattern->is_array() && pattern->value.is_array()) {
        for (size_t il = 0; il < n_layer && il < pattern->value.size(); ++il) {
            swa[il] = pattern->value[il].is_boolean() && pattern->value[il].get<bool>();
        }
        return swa;
    }
    if (!known) return {};
    const uint64_t period = pattern ? f.get_uint(pattern->key).value_or(known->period) : known->period;
    for (size_t il = 0; il < n_layer; ++il) swa[il] = period == 0 || il % period < period - 1;
    return swa;
}

uint64_t pad256(uint64_t n) { return (n + 255) / 256 * 256; }

uint32_t ubatch_size(const engine::load_params & p) {
    // As generation_context_params: n_batch >= slots, n_ubatch <= 512.
    return static_cast<uint32_t>(std::min(std::max(p.num_batch, std::max(p.num_parallel, 1)), 512));
}

// Per block: the tensors named blk.<n>.*; the rest is input or output.
void split_tensors(const store::gguf::file & f, model_costs & c) {
    bool has_output = false;
    uint64_t embeddings = 0;
    for (const auto & t : f.tensors) {
        unsigned il = 0;
        if (std::sscanf(t.name.c_str(), "blk.%u.", &il) == 1 && il < c.blocks.size()) {
            c.blocks[il] += t.bytes;
        } else if (t.name.rfind("output.", 0) == 0 || t.name.rfind("output_norm.", 0) == 0) {
            c.output += t.bytes;
            has_output = has_output || t.name == "output.weight";
        } else {
            c.input += t.bytes;
            if (t.name == "token_embd.weight") embeddings = t.bytes;
        }
    }
    if (!has_output) c.output_copy = embeddings;  // tied: llama.cpp duplicates them for the output
    c.output += c.output_copy;
}

// Activations of one batch: a few f32 rows of the widest layer per token,
// plus the attention scores when flash attention is off.
uint64_t activations(const store::gguf::file & f, const engine::load_params & p, uint64_t kv_cells) {
    const uint64_t embd = arch_uint(f, "embedding_length", 0);
    const uint64_t ff = arch_uint(f, "feed_forward_length", 4 * embd);
    const uint64_t ubatch = ubatch_size(p);
    uint64_t bytes = ubatch * 4 * std::max(embd, ff) * 4;
    if (p.flash_attention == 0) bytes += ubatch * kv_cells * arch_uint(f, "attention.head_count", 1) * 4;
    return bytes;
}

// Cells per sequence of each layer; swa[il]: whether layer il has a window.
std::vector<uint64_t> layer_cells(const store::gguf::file & f, const engine::load_params & p, std::vector<bool> & swa) {
    const size_t n_layer = arch_uint(f, "block_count", 0);
    uint64_t ctx = static_cast<uint64_t>(std::max(p.num_ctx, 8));
    if (uint64_t train = arch_uint(f, "context_length", 0); train > 0) ctx = std::min(ctx, train);
    const uint64_t full = pad256(ctx);
    uint64_t window = 0;
    swa = sliding_layers(f, n_layer, window);
    swa.resize(n_layer, false);
    // swa_full is off for the model and its draft alike (generation_context_params).
    const uint64_t windowed = pad256(std::min(full, window + ubatch_size(p)));
    std::vector<uint64_t> cells(n_layer, full);
    for (size_t il = 0; il < n_layer; ++il) {
        if (swa[il]) cells[il] = windowed;
    }
    return cells;
}

}  // namespace

std::vector<uint64_t> kv_cells_per_layer(const store::gguf::file & f, const engine::load_params & p) {
    std::vector<bool> swa;
    return layer_cells(f, p, swa);
}

memory_need estimate_memory(const store::gguf::file & f, const engine::load_params & p) {
    memory_need need;
    model_costs & c = need.costs;
    std::vector<bool> swa;
    const auto cells = layer_cells(f, p, swa);
    c.blocks.assign(cells.size(), 0);
    split_tensors(f, c);
    need.weights = c.input + c.output - c.output_copy;
    for (uint64_t b : c.blocks) need.weights += b;

    const uint64_t embd = arch_uint(f, "embedding_length", 0);
    const uint64_t heads = std::max<uint64_t>(arch_uint(f, "attention.head_count", 1), 1);
    const uint64_t seqs = static_cast<uint64_t>(std::max(p.num_parallel, 1));
    const uint64_t per_1024 = kv_bytes_per_1024(p.kv_cache_type);
    uint64_t max_cells = 0;
    for (size_t il = 0; il < cells.size(); ++il) {
        const std::string sfx = swa[il] && f.find(f.architecture() + ".attention.key_length_swa") ? "_swa" : "";
        const uint64_t heads_kv = arch_uint_at(f, "attention.head_count_kv", il, heads);
        const uint64_t k = arch_uint(f, "attention.key_length" + sfx, embd / heads);
        const uint64_t v = arch_uint(f, "attention.value_length" + sfx, embd / heads);
        const uint64_t bytes = cells[il] * seqs * heads_kv * (k + v) * per_1024 / 1024;
        need.kv_cache += bytes;
        c.blocks[il] += bytes;
        max_cells = std::max(max_cells, cells[il] * seqs);
    }

    // A CPU load commits only the pages it touches: activations of one
    // batch, one row of logits per sequence, llama.cpp's vocabulary tables
    // (about 160 bytes a token) and a fixed cost per context (graph
    // metadata, thread pool, output buffers: about 8 MiB, measured with
    // stories260K). A GPU commits its whole compute buffer, which holds f32
    // logits for every token of a batch.
    const uint64_t vocab = vocab_size(f);
    const uint64_t act = activations(f, p, max_cells);
    c.host_compute = act + seqs * vocab * 4 + vocab * 160 + (8ull << 20);
    c.device_compute = act + static_cast<uint64_t>(ubatch_size(p)) * vocab * 4;
    need.compute = c.host_compute;
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
