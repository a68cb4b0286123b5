// Where a model's layers go when the build has GPUs: pure functions over
// the GGUF estimate (memory.h) and the devices' free memory, so that the
// planning is tested with made-up devices on machines without a GPU.
//
// llama.cpp's layout (llama-model.cpp load_tensors): n_gpu_layers = n puts
// the last n of (blocks..., output) on GPUs, split between GPUs in
// proportion to their free memory; each block's KV cache stays with the
// block; the token embeddings stay in system memory. The scheduler picks
// n itself (rather than libcommon's common_fit_params, which loads the
// model's vocabulary once or more per decision: about a load's time for
// Gemma 3) and sends the same figures to its per-device budget.
#pragma once

#include "engine/devices.h"
#include "sched/memory.h"

#include <cstdint>
#include <string>
#include <vector>

namespace lokal::sched {

// A GPU as llama.cpp will use it (engine::gpu_devices()).
using engine::gpu_device;

// Free memory each GPU keeps after a load, as llama-server's --fit (1 GiB):
// the CUDA context, fragmentation and the estimate's error live there.
constexpr uint64_t k_gpu_margin = 1ull << 30;

struct placement {
    int gpu_layers = -1;           // n_gpu_layers to load with
    std::vector<uint64_t> device;  // bytes on each GPU, in the devices' order
    uint64_t host = 0;             // system memory

    uint64_t on_devices() const;
};

// The layout of n_gpu_layers = n (negative: all) over GPUs whose share of
// the layers is in proportion to split. No GPUs: everything in system memory.
placement place_layers(const memory_need & need, const std::vector<uint64_t> & split, int n);

// num_gpu >= 0: that many layers. Negative: the most layers whose bytes
// fit usable on every GPU (what each may take); none fit: 0 layers. No
// GPUs: all in system memory, gpu_layers left as num_gpu.
placement plan_placement(const memory_need & need, const std::vector<uint64_t> & usable, int num_gpu);

// Flash attention left to lokal (-1) on a model that runs on the CPU only
// is turned off, as Ollama does there. Measured on this llama.cpp with 2
// threads (Llama 3.2 1B's shape): its CPU kernel decodes 39% slower at 1.6k
// tokens of context and 27% at 5.4k, and Gemma 3's follow-up chat turns
// take a third longer at 1.7k; it wins on long prompt batches (18% at 5.4k)
// and on many short streams at once (8% with 16), where a model or
// LOKAL_FLASH_ATTENTION can turn it on. Quantized K/V caches need it, and
// on GPUs llama.cpp decides.
void choose_flash_attention(engine::load_params & p, bool on_cpu_only);

}  // namespace lokal::sched
