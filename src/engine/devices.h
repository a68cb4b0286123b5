// The GPUs llama.cpp offloads to and what a loaded model holds on them.
// Empty on CPU-only builds, where nothing here changes any behaviour.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

struct llama_context;

namespace lokal::engine {

struct gpu_device {
    std::string name;  // ggml's device name, e.g. "CUDA0"
    uint64_t free = 0;
    uint64_t total = 0;
};

// The devices a model load uses, in llama.cpp's order (llama.cpp's
// llama_model_load_from_file rule, default split mode): discrete GPUs
// (one per device id; RPC servers are not local and not counted),
// integrated GPUs only when there is no discrete one.
std::vector<gpu_device> gpu_devices();

// The buffers a context and its model hold (weights, KV cache, compute),
// split by where they live, from llama.cpp's own accounting.
struct memory_use {
    uint64_t host = 0;
    uint64_t device = 0;
};
memory_use context_memory(const llama_context * ctx);

}  // namespace lokal::engine
