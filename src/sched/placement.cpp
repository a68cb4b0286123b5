#include "sched/placement.h"

#include <algorithm>

namespace lokal::sched {

uint64_t placement::on_devices() const {
    uint64_t sum = 0;
    for (uint64_t b : device) sum += b;
    return sum;
}

placement place_layers(const memory_need & need, const std::vector<uint64_t> & split, int n) {
    placement out;
    out.gpu_layers = n;
    out.device.assign(split.size(), 0);
    out.host = need.total();
    const auto & c = need.costs;
    const int layers = static_cast<int>(c.blocks.size()) + 1;  // the output counts as the last layer
    const int on_gpu = split.empty() ? 0 : (n < 0 ? layers : std::min(n, layers));
    if (on_gpu == 0) return out;

    // Cumulative split points, normalised (llama.cpp's tensor_split rule).
    std::vector<double> points(split.size());
    double sum = 0;
    for (size_t i = 0; i < split.size(); ++i) points[i] = sum += static_cast<double>(split[i]);
    for (auto & p : points) p = sum > 0 ? p / sum : 1.0;

    const int first = layers - on_gpu;
    size_t last_dev = 0;
    for (int il = first; il < layers; ++il) {
        const double at = static_cast<double>(il - first) / on_gpu;
        auto dev = static_cast<size_t>(std::upper_bound(points.begin(), points.end(), at) - points.begin());
        dev = std::min(dev, split.size() - 1);
        const bool output = il == layers - 1;
        const uint64_t bytes = output ? c.output : c.blocks[il];
        out.device[dev] += bytes;
        // A tied output's copy of the embeddings costs no system memory.
        const uint64_t leaves_host = output ? bytes - c.output_copy : bytes;
        out.host -= std::min(out.host, leaves_host);
        last_dev = dev;
    }
    // The compute buffer sits with the last layers (the logits).
    out.device[last_dev] += c.device_compute;
    return out;
}

placement plan_placement(const memory_need & need, const std::vector<uint64_t> & usable, int num_gpu) {
    if (usable.empty() || num_gpu >= 0) return place_layers(need, usable, num_gpu);
    for (int n = static_cast<int>(need.costs.blocks.size()) + 1; n > 0; --n) {
        placement p = place_layers(need, usable, n);
        bool fits = true;
        for (size_t i = 0; i < usable.size(); ++i) fits = fits && p.device[i] <= usable[i];
        if (fits) return p;
    }
    return place_layers(need, usable, 0);
}

void choose_flash_attention(engine::load_params & p, bool on_cpu_only) {
    if (p.flash_attention < 0 && on_cpu_only && !p.kv_cache_needs_flash_attention()) p.flash_attention = 0;
}

}  // namespace lokal::sched
