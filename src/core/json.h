// One JSON type for the whole program: nlohmann's ordered_json, the copy that
// ships with the pinned llama.cpp (libcommon's API speaks it, so a second
// version would be an ODR hazard). Ordered, because Ollama's responses list
// fields in a fixed order and clients diff them byte for byte.
#pragma once

#include <nlohmann/json.hpp>

namespace lokal {
using json = nlohmann::ordered_json;
}
