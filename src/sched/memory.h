// How much memory a model will need once loaded, estimated from its GGUF
// metadata before llama.cpp touches it, and how much the machine has free.
// The scheduler compares the two so that a model that cannot fit is refused
// with a message instead of the process being killed by the kernel.
#pragma once

#include "core/result.h"
#include "engine/runner.h"

#include <cstdint>
#include <string>

namespace lokal::store::gguf {
struct file;
}

namespace lokal::sched {

struct memory_need {
    uint64_t weights = 0;   // tensor data of the model, projector and adapters
    uint64_t kv_cache = 0;  // f16 K and V for num_ctx x num_parallel tokens in every layer
    uint64_t compute = 0;   // llama.cpp's compute buffer for one batch (logits dominate)

    uint64_t total() const { return weights + kv_cache + compute; }
};

// Estimate for a model whose metadata is already read. Deliberately errs
// high: refusing early is better than the OOM killer.
memory_need estimate_memory(const store::gguf::file & model, const engine::load_params & params);

// Reads the GGUF files named in params (model, projector, adapters, and
// the draft model, which gets a context of its own of the same size).
result<memory_need> estimate_memory(const engine::load_params & params);

// MemAvailable from /proc/meminfo: what can be allocated without swapping.
uint64_t available_system_memory();

// Ollama's byte format for memory messages: "2.3 GiB", "512.0 MiB", "12 B".
std::string format_memory(uint64_t bytes);

}  // namespace lokal::sched
