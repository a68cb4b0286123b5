#include "engine/quantize.h"

#include <llama.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <future>

namespace lokal::engine {

namespace {

struct target {
    const char * name;
    llama_ftype ftype;
    double bits_per_weight;  // for the progress estimate only
};

// Bits per weight are the averages llama.cpp's quantize tool prints for 7B models.
constexpr target targets[] = {
    {"Q4_0", LLAMA_FTYPE_MOSTLY_Q4_0, 4.5},     {"Q4_1", LLAMA_FTYPE_MOSTLY_Q4_1, 5.0},
    {"Q5_0", LLAMA_FTYPE_MOSTLY_Q5_0, 5.5},     {"Q5_1", LLAMA_FTYPE_MOSTLY_Q5_1, 6.0},
    {"Q8_0", LLAMA_FTYPE_MOSTLY_Q8_0, 8.5},     {"Q2_K", LLAMA_FTYPE_MOSTLY_Q2_K, 3.35},
    {"Q3_K_S", LLAMA_FTYPE_MOSTLY_Q3_K_S, 3.5}, {"Q3_K_M", LLAMA_FTYPE_MOSTLY_Q3_K_M, 3.9},
    {"Q3_K_L", LLAMA_FTYPE_MOSTLY_Q3_K_L, 4.3}, {"Q4_K_S", LLAMA_FTYPE_MOSTLY_Q4_K_S, 4.6},
    {"Q4_K_M", LLAMA_FTYPE_MOSTLY_Q4_K_M, 4.9}, {"Q5_K_S", LLAMA_FTYPE_MOSTLY_Q5_K_S, 5.5},
    {"Q5_K_M", LLAMA_FTYPE_MOSTLY_Q5_K_M, 5.7}, {"Q6_K", LLAMA_FTYPE_MOSTLY_Q6_K, 6.6},
    {"F16", LLAMA_FTYPE_MOSTLY_F16, 16},        {"BF16", LLAMA_FTYPE_MOSTLY_BF16, 16},
    {"F32", LLAMA_FTYPE_ALL_F32, 32},
};

const target * find_target(std::string_view canonical) {
    for (const auto & t : targets) {
        if (canonical == t.name) return &t;
    }
    return nullptr;
}

int64_t size_of(const std::string & path) {
    std::error_code ec;
    auto n = std::filesystem::file_size(path, ec);
    return ec ? 0 : static_cast<int64_t>(n);
}

}  // namespace

const std::vector<std::string> & quantize_types() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> out;
        for (const auto & t : targets) out.emplace_back(t.name);
        return out;
    }();
    return names;
}

std::string canonical_quantize_type(std::string_view name) {
    std::string up(name);
    std::transform(up.begin(), up.end(), up.begin(), [](unsigned char c) { return std::toupper(c); });
    if (up == "Q4_K") up = "Q4_K_M";
    if (up == "Q5_K") up = "Q5_K_M";
    return find_target(up) ? up : std::string();
}

status quantize_model(const std::string & in, std::string_view source_type, const std::string & out,
                      const std::string & type, int threads, const quantize_progress & progress) {
    const target * t = find_target(type);
    if (!t) return make_error(errc::invalid_request, "unsupported quantization type " + type);
    llama_model_quantize_params params = llama_model_quantize_default_params();
    params.nthread = threads;
    params.ftype = t->ftype;
    // The output size is estimated from the input's (F32 or 16-bit weights);
    // the fraction stays under 1 until llama.cpp is done.
    double source_bits = source_type == "F32" ? 32 : 16;
    int64_t in_size = size_of(in);
    auto running = std::async(std::launch::async, [&] { return llama_model_quantize(in.c_str(), out.c_str(), &params); });
    while (running.wait_for(std::chrono::milliseconds(200)) != std::future_status::ready) {
        if (!progress || in_size <= 0) continue;
        double expected = static_cast<double>(in_size) * t->bits_per_weight / source_bits;
        progress(std::min(0.99, static_cast<double>(size_of(out)) / expected));
    }
    if (running.get() != 0) return make_error(errc::internal, "quantizing to " + type + " failed (llama.cpp could not quantize this model)");
    if (progress) progress(1.0);
    return {};
}

}  // namespace lokal::engine
