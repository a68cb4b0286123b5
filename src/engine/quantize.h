// Quantizing a GGUF model in process, through llama.cpp's
// llama_model_quantize (the only place outside the runner that touches
// llama.cpp). `lokal create -q` and /api/create's "quantize" end up here.
#pragma once

#include "core/result.h"

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace lokal::engine {

// The target types, in Ollama's spelling (upper case): Q4_0 ... Q6_K, Q8_0,
// F16, BF16, F32. "Q4_K" and "Q5_K" are accepted as Q4_K_M and Q5_K_M.
const std::vector<std::string> & quantize_types();
// The canonical name for `name` (case-insensitive), or empty when unknown.
std::string canonical_quantize_type(std::string_view name);

// Reports the fraction done (0..1, an estimate from how much of the output
// has been written), a few times a second, from the calling thread.
using quantize_progress = std::function<void(double fraction)>;

// Writes `in` (whose file type is source_type, "F32", "F16" or "BF16")
// quantized to `type` (a canonical name) into `out` with
// `threads` threads (0: all cores). llama.cpp offers no cancel: a quantize
// that was started runs to its end.
status quantize_model(const std::string & in, std::string_view source_type, const std::string & out,
                      const std::string & type, int threads, const quantize_progress & progress);

}  // namespace lokal::engine
