#include "cli/params.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace lokal::cli {

namespace {

enum class kind { integer, number, boolean, string_list };

struct parameter {
    const char * name;
    kind type;
};

// Ollama's api.Options and api.Runner fields, by their JSON names.
constexpr parameter known_parameters[] = {
    {"num_keep", kind::integer},       {"seed", kind::integer},
    {"num_predict", kind::integer},    {"top_k", kind::integer},
    {"top_p", kind::number},           {"min_p", kind::number},
    {"typical_p", kind::number},       {"repeat_last_n", kind::integer},
    {"temperature", kind::number},     {"repeat_penalty", kind::number},
    {"presence_penalty", kind::number}, {"frequency_penalty", kind::number},
    {"stop", kind::string_list},       {"num_ctx", kind::integer},
    {"num_batch", kind::integer},      {"num_gpu", kind::integer},
    {"main_gpu", kind::integer},       {"use_mmap", kind::boolean},
    {"num_thread", kind::integer},
};

constexpr const char * deprecated_parameters[] = {
    "penalize_newline", "low_vram", "f16_kv", "logits_all", "vocab_only",
    "use_mlock", "mirostat", "mirostat_tau", "mirostat_eta",
};

// Go prints a []string as "[a b]"; the error texts quote values that way.
std::string go_list(const std::vector<std::string> & values) {
    std::string out = "[";
    for (size_t i = 0; i < values.size(); ++i) out += (i ? " " : "") + values[i];
    return out + "]";
}

}  // namespace

bool is_deprecated_parameter(const std::string & name) {
    return std::any_of(std::begin(deprecated_parameters), std::end(deprecated_parameters),
                       [&](const char * d) { return name == d; });
}

result<json> typed_parameter(const std::string & name, const std::vector<std::string> & values) {
    const parameter * p = nullptr;
    for (const auto & k : known_parameters) {
        if (name == k.name) p = &k;
    }
    if (!p) return make_error(errc::invalid_request, "unknown parameter '" + name + "'");
    if (values.empty()) return make_error(errc::invalid_request, "missing value for parameter '" + name + "'");
    const std::string & v = values.front();
    switch (p->type) {
        case kind::integer: {
            char * end = nullptr;
            errno = 0;
            long long n = std::strtoll(v.c_str(), &end, 10);
            if (v.empty() || *end != '\0' || errno != 0) {
                return make_error(errc::invalid_request, "invalid int value " + go_list(values));
            }
            return json(static_cast<int64_t>(n));
        }
        case kind::number: {
            char * end = nullptr;
            errno = 0;
            double d = std::strtod(v.c_str(), &end);
            if (v.empty() || *end != '\0' || errno != 0 || !std::isfinite(d)) {
                return make_error(errc::invalid_request, "invalid float value " + go_list(values));
            }
            return json(d);
        }
        case kind::boolean: {
            if (v == "1" || v == "t" || v == "T" || v == "true" || v == "TRUE" || v == "True") return json(true);
            if (v == "0" || v == "f" || v == "F" || v == "false" || v == "FALSE" || v == "False") return json(false);
            return make_error(errc::invalid_request, "invalid bool value " + go_list(values));
        }
        case kind::string_list: return json(values);
    }
    return make_error(errc::internal, "unhandled parameter type");
}

}  // namespace lokal::cli
