#include "cli/params.h"

#include "api/options.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace lokal::cli {

namespace {

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
    // The server's options table decides which names exist and their types.
    auto type = api::option_type_of(name);
    if (!type) return make_error(errc::invalid_request, "unknown parameter '" + name + "'");
    if (values.empty()) return make_error(errc::invalid_request, "missing value for parameter '" + name + "'");
    const std::string & v = values.front();
    switch (*type) {
        case api::option_type::integer: {
            char * end = nullptr;
            errno = 0;
            long long n = std::strtoll(v.c_str(), &end, 10);
            if (v.empty() || *end != '\0' || errno != 0) {
                return make_error(errc::invalid_request, "invalid int value " + go_list(values));
            }
            return json(static_cast<int64_t>(n));
        }
        case api::option_type::number: {
            char * end = nullptr;
            errno = 0;
            double d = std::strtod(v.c_str(), &end);
            if (v.empty() || *end != '\0' || errno != 0 || !std::isfinite(d)) {
                return make_error(errc::invalid_request, "invalid float value " + go_list(values));
            }
            return json(d);
        }
        case api::option_type::boolean: {
            if (v == "1" || v == "t" || v == "T" || v == "true" || v == "TRUE" || v == "True") return json(true);
            if (v == "0" || v == "f" || v == "F" || v == "false" || v == "FALSE" || v == "False") return json(false);
            return make_error(errc::invalid_request, "invalid bool value " + go_list(values));
        }
        case api::option_type::string: return json(v);
        case api::option_type::string_list: return json(values);
    }
    return make_error(errc::internal, "unhandled parameter type");
}

}  // namespace lokal::cli
