// How much memory a model will need once loaded, estimated from its GGUF
// metadata before llama.cpp touches it, and how much the machine has free.
// The scheduler compares the two so that a model that cannot fit is refused
// with a message instead of the process being killed by the kernel.
//
// The estimate is a formula over the GGUF header, not llama.cpp's own
// no-alloc measurement (libcommon's common_get_device_memory_data): that
// one loads the vocabulary, which takes as long as the real load (1.4-1.9 s
// for Gemma 3 270M's 262k tokens), doubling every load.
#pragma once

#include "core/result.h"
#include "engine/runner.h"

#include <cstdint>
#include <string>
#include <vector>

namespace lokal::store::gguf {
struct file;
}

namespace lokal::sched {

// The model cut the way llama.cpp places it on devices: n_gpu_layers = n
// puts the last n of (blocks..., output) on GPUs; the input layer (token
// embeddings) always stays in system memory.
struct model_costs {
    std::vector<uint64_t> blocks;  // per repeating block: its weights + its KV cache
    uint64_t input = 0;            // token embeddings and other tensors outside blocks
    uint64_t output = 0;           // output norm + projection (a copy of the embeddings when tied)
    uint64_t output_copy = 0;      // the part of output that is that copy: no extra system memory
    uint64_t host_compute = 0;     // what a CPU-only load touches besides weights and cache
    uint64_t device_compute = 0;   // compute buffer a GPU commits in full: logits of a whole batch
};

struct memory_need {
    uint64_t weights = 0;   // tensor data of the model, projector, adapters and draft model
    uint64_t kv_cache = 0;  // num_ctx cells in full-attention layers, window + one batch in sliding-window ones
    uint64_t compute = 0;   // activations of one batch, output logits, vocabulary tables, per-context overhead
    model_costs costs;      // the main model only, for GPU placement

    // System memory when nothing is offloaded.
    uint64_t total() const { return weights + kv_cache + compute; }
};

// Estimate for a model whose metadata is already read, for a CPU-only load.
// Aims at the resident memory the load really ends up using (measured for
// Gemma 3 270M: within 25% of the process's RSS growth).
memory_need estimate_memory(const store::gguf::file & model, const engine::load_params & params);

// Reads the GGUF files named in params (model, projector, adapters, and
// the draft model, which gets a context of its own of the same size).
result<memory_need> estimate_memory(const engine::load_params & params);

// KV cache cells per sequence of each layer, as llama.cpp sizes them
// (llama-kv-cache-iswa.cpp): num_ctx padded to 256, clamped to the trained
// context; sliding-window layers hold window + n_ubatch, padded to 256.
std::vector<uint64_t> kv_cells_per_layer(const store::gguf::file & model, const engine::load_params & params);

// Ollama's byte format for memory messages: "2.3 GiB", "512.0 MiB", "12 B".
std::string format_memory(uint64_t bytes);

}  // namespace lokal::sched
