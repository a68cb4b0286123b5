#include "engine/devices.h"

#include <ggml-backend.h>
#include <llama.h>

// llama.cpp's staging header for device memory queries (libcommon's
// common_memory_breakdown_print uses the same function); the only
// llama.cpp internal lokal includes, found through llama's include dir.
#include "../src/llama-ext.h"

#include <cstring>

namespace lokal::engine {

namespace {

gpu_device describe(ggml_backend_dev_t dev) {
    size_t free = 0, total = 0;
    ggml_backend_dev_memory(dev, &free, &total);
    return {ggml_backend_dev_name(dev), free, total};
}

bool same_id(ggml_backend_dev_t a, ggml_backend_dev_t b) {
    ggml_backend_dev_props pa, pb;
    ggml_backend_dev_get_props(a, &pa);
    ggml_backend_dev_get_props(b, &pb);
    return pa.device_id && pb.device_id && std::strcmp(pa.device_id, pb.device_id) == 0;
}

}  // namespace

std::vector<gpu_device> gpu_devices() {
    std::vector<ggml_backend_dev_t> gpus, igpus;
    for (size_t i = 0; i < ggml_backend_dev_count(); ++i) {
        ggml_backend_dev_t dev = ggml_backend_dev_get(i);
        const auto type = ggml_backend_dev_type(dev);
        if (type == GGML_BACKEND_DEVICE_TYPE_GPU) {
            if (std::strcmp(ggml_backend_reg_name(ggml_backend_dev_backend_reg(dev)), "RPC") == 0) continue;
            bool dup = false;
            for (auto * g : gpus) dup = dup || same_id(g, dev);
            if (!dup) gpus.push_back(dev);
        } else if (type == GGML_BACKEND_DEVICE_TYPE_IGPU) {
            if (igpus.empty() || ggml_backend_dev_backend_reg(dev) == ggml_backend_dev_backend_reg(igpus.back())) {
                igpus.push_back(dev);
            }
        }
    }
    std::vector<gpu_device> out;
    for (auto * dev : gpus.empty() ? igpus : gpus) out.push_back(describe(dev));
    return out;
}

memory_use context_memory(const llama_context * ctx) {
    memory_use use;
    for (const auto & [buft, mb] : llama_get_memory_breakdown(ctx)) {
        // By device, not ggml_backend_buft_is_host: the CPU's repacked
        // weights (CPU_REPACK) are in system memory but not "host" buffers.
        ggml_backend_dev_t dev = ggml_backend_buft_get_device(buft);
        const auto type = dev ? ggml_backend_dev_type(dev) : GGML_BACKEND_DEVICE_TYPE_CPU;
        const bool on_gpu = !ggml_backend_buft_is_host(buft) &&
                            (type == GGML_BACKEND_DEVICE_TYPE_GPU || type == GGML_BACKEND_DEVICE_TYPE_IGPU);
        (on_gpu ? use.device : use.host) += mb.model + mb.context + mb.compute;
    }
    return use;
}

}  // namespace lokal::engine
