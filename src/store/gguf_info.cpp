// What the store and /api/show read out of parsed GGUF metadata.
#include "store/gguf.h"

#include <algorithm>

namespace lokal::store::gguf {

const kv * file::find(std::string_view key) const {
    for (const auto & item : kvs) {
        if (item.key == key) return &item;
    }
    return nullptr;
}

std::string file::get_string(std::string_view key, std::string_view fallback) const {
    const kv * v = find(key);
    if (v == nullptr || v->type != value_type::string) return std::string(fallback);
    return v->value.get<std::string>();
}

std::optional<uint64_t> file::get_uint(std::string_view key) const {
    const kv * v = find(key);
    if (v == nullptr || v->is_array() || !v->value.is_number_integer()) return std::nullopt;
    if (v->value.is_number_unsigned()) return v->value.get<uint64_t>();
    int64_t i = v->value.get<int64_t>();
    if (i < 0) return std::nullopt;
    return static_cast<uint64_t>(i);
}

std::string file::architecture() const { return get_string("general.architecture", "unknown"); }

uint64_t file::parameter_count() const {
    if (tensors.empty()) {
        return get_uint("general.parameter_count").value_or(0);
    }
    uint64_t total = 0;
    for (const auto & t : tensors) {
        total += t.elements;  // each < 2^62 and at most 2^20 tensors: saturate rather than wrap
        if (total < t.elements) return UINT64_MAX;
    }
    return total;
}

std::string file::file_type() const {
    if (auto ft = get_uint("general.file_type")) {
        return file_type_name(*ft);
    }
    // No general.file_type (older converters): guess from the type holding
    // most weight elements, as llama.cpp does, for the unambiguous types.
    std::vector<std::pair<uint32_t, uint64_t>> by_type;
    for (const auto & t : tensors) {
        if (t.shape.size() < 2) continue;
        auto it = std::find_if(by_type.begin(), by_type.end(), [&](const auto & p) { return p.first == t.type; });
        if (it == by_type.end()) {
            by_type.emplace_back(t.type, t.elements);
        } else {
            it->second += t.elements;
        }
    }
    auto top = std::max_element(by_type.begin(), by_type.end(),
                                [](const auto & a, const auto & b) { return a.second < b.second; });
    if (top == by_type.end()) return "unknown";
    switch (top->first) {
        case 0: case 1: case 2: case 3: case 6: case 7: case 8: case 30: return tensor_type_name(top->first);
        default: return "unknown";
    }
}

std::optional<uint64_t> file::context_length() const { return get_uint(architecture() + ".context_length"); }

std::string file::chat_template() const { return get_string("tokenizer.chat_template"); }

bool file::has_pooling() const { return find(architecture() + ".pooling_type") != nullptr; }

bool file::is_projector() const {
    std::string kind = get_string("general.type");
    return architecture() == "clip" || kind == "projector" || kind == "mmproj";
}

bool file::is_adapter() const { return get_string("general.type") == "adapter"; }

json file::model_info(bool verbose) const {
    std::vector<const kv *> sorted;
    sorted.reserve(kvs.size());
    for (const auto & item : kvs) {
        if (item.key != "general.name" && item.key != "tokenizer.chat_template" &&
            item.key != "general.parameter_count") {
            sorted.push_back(&item);
        }
    }
    std::sort(sorted.begin(), sorted.end(), [](const kv * a, const kv * b) { return a->key < b->key; });
    json out = json::object();
    bool placed_count = false;
    auto place_count = [&]() {
        out["general.parameter_count"] = parameter_count();
        placed_count = true;
    };
    for (const kv * item : sorted) {
        if (!placed_count && item->key > "general.parameter_count") place_count();
        if (!item->is_array()) {
            out[item->key] = item->value;
        } else if (item->count == 0) {
            out[item->key] = json::array();
        } else if (verbose && item->materialised) {
            out[item->key] = item->value;
        } else {
            out[item->key] = nullptr;  // Ollama shows unread arrays as null
        }
    }
    if (!placed_count) place_count();
    return out;
}

json file::tensors_json() const {
    json out = json::array();
    for (const auto & t : tensors) {
        out.push_back({{"name", t.name}, {"type", tensor_type_name(t.type)}, {"shape", t.shape}});
    }
    return out;
}

std::string file_type_name(uint64_t ftype) {
    // llama_ftype values, named as Ollama names them (4-6 and 33-35 retired).
    static const char * names[] = {
        "F32",    "F16",     "Q4_0",   "Q4_1",    nullptr,  nullptr, nullptr, "Q8_0",   "Q5_0",   "Q5_1",
        "Q2_K",   "Q3_K_S",  "Q3_K_M", "Q3_K_L",  "Q4_K_S", "Q4_K_M", "Q5_K_S", "Q5_K_M", "Q6_K",  "IQ2_XXS",
        "IQ2_XS", "Q2_K_S",  "IQ3_XS", "IQ3_XXS", "IQ1_S",  "IQ4_NL", "IQ3_S",  "IQ3_M",  "IQ2_S",  "IQ2_M",
        "IQ4_XS", "IQ1_M",   "BF16",   nullptr,   nullptr,  nullptr, "TQ1_0", "TQ2_0",  "MXFP4_MOE", "NVFP4",
        "Q1_0",   "Q2_0",
    };
    if (ftype < std::size(names) && names[ftype] != nullptr) return names[ftype];
    return "unknown";
}

}  // namespace lokal::store::gguf
