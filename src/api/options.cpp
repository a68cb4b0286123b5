#include "api/options.h"

#include "config/config.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace lokal::api {

namespace {

struct int_spec {
    std::string_view key;
    int options::*field;  // nullptr: accepted, checked and ignored
    int64_t lo, hi;
};

struct float_spec {
    std::string_view key;
    float options::*field;
    double lo, hi;
};

constexpr int64_t k_int_max = 2147483647;

// The integer options, with the ranges that protect the server.
const int_spec k_ints[] = {
    {"num_ctx", &options::num_ctx, 1, max_num_ctx},
    {"num_batch", &options::num_batch, 1, max_num_batch},
    {"num_gpu", &options::num_gpu, -1, 1 << 20},
    {"main_gpu", &options::main_gpu, 0, 1 << 10},
    {"num_thread", &options::num_thread, 0, 1 << 12},
    {"num_keep", &options::num_keep, -1, k_int_max},
    {"num_predict", &options::num_predict, -2, k_int_max},
    {"top_k", &options::top_k, 0, k_int_max},
    {"repeat_last_n", &options::repeat_last_n, -1, k_int_max},
    {"draft_num_predict", &options::draft_num_predict, 0, 1 << 10},
    {"draft_min", &options::draft_min, 0, 1 << 10},
    {"ngram_draft", &options::ngram_draft, 0, max_ngram_draft},
};

const float_spec k_floats[] = {
    {"top_p", &options::top_p, 0.0, 1.0},
    {"min_p", &options::min_p, 0.0, 1.0},
    {"typical_p", &options::typical_p, 0.0, 1.0},
    {"temperature", &options::temperature, 0.0, 1e6},
    {"repeat_penalty", &options::repeat_penalty, -1e6, 1e6},
    {"presence_penalty", &options::presence_penalty, -1e6, 1e6},
    {"frequency_penalty", &options::frequency_penalty, -1e6, 1e6},
    {"draft_p_min", &options::draft_p_min, 0.0, 1.0},
};

const std::string_view k_legacy[] = {"tfs_z",       "mirostat",   "mirostat_tau", "mirostat_eta",
                                     "penalize_newline", "numa",  "low_vram",     "f16_kv",
                                     "vocab_only",  "use_mlock",  "logits_all"};

const int_spec * find_int(std::string_view key) {
    for (const auto & s : k_ints) {
        if (s.key == key) return &s;
    }
    return nullptr;
}

const float_spec * find_float(std::string_view key) {
    for (const auto & s : k_floats) {
        if (s.key == key) return &s;
    }
    return nullptr;
}

error invalid(const std::string & msg) { return make_error(errc::invalid_request, msg); }

std::string in_quotes(std::string_view key) { return "\"" + std::string(key) + "\""; }

std::string number_text(double v) {
    if (v == std::floor(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<int64_t>(v));
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

status set_int(options & o, const int_spec & s, int64_t v) {
    if (v < s.lo || v > s.hi) {
        return invalid("option " + in_quotes(s.key) + " must be between " + std::to_string(s.lo) + " and " +
                       std::to_string(s.hi) + ", got " + std::to_string(v));
    }
    if (s.field != nullptr) o.*(s.field) = static_cast<int>(v);
    return {};
}

status set_float(options & o, const float_spec & s, double v) {
    if (!std::isfinite(v) || v < s.lo || v > s.hi) {
        return invalid("option " + in_quotes(s.key) + " must be between " + number_text(s.lo) + " and " +
                       number_text(s.hi));
    }
    o.*(s.field) = static_cast<float>(v);
    return {};
}

status set_stop(options & o, std::vector<std::string> stop) {
    if (stop.size() > max_stop_sequences) {
        return invalid("option \"stop\" may hold at most " + std::to_string(max_stop_sequences) + " sequences");
    }
    for (const auto & s : stop) {
        if (s.size() > max_stop_bytes) {
            return invalid("a stop sequence may be at most " + std::to_string(max_stop_bytes) + " bytes");
        }
    }
    o.stop = std::move(stop);
    return {};
}

status set_kv_cache_type(options & o, const std::string & type) {
    if (!config::is_kv_cache_type(type)) {
        return invalid("option \"kv_cache_type\" must be one of f32, f16, bf16, q8_0, q4_0, q4_1, iq4_nl, q5_0, q5_1");
    }
    o.kv_cache_type = type;
    return {};
}

// A JSON number as Go's int(float64) would see it: truncated toward zero.
status json_int(std::string_view key, const json & v, int64_t & out) {
    if (!v.is_number()) return invalid("option " + in_quotes(key) + " must be of type integer");
    if (v.is_number_integer() && !v.is_number_unsigned()) {
        out = v.get<int64_t>();
        return {};
    }
    double d = v.get<double>();
    if (!(d > -9.2e18 && d < 9.2e18)) {
        return invalid("option " + in_quotes(key) + " is out of range");
    }
    out = static_cast<int64_t>(std::trunc(d));
    return {};
}

status apply_one_json(options & o, const std::string & key, const json & v) {
    if (const int_spec * s = find_int(key)) {
        int64_t i = 0;
        if (auto st = json_int(key, v, i); !st) return st;
        return set_int(o, *s, i);
    }
    if (const float_spec * s = find_float(key)) {
        if (!v.is_number()) return invalid("option " + in_quotes(key) + " must be of type float32");
        return set_float(o, *s, v.get<double>());
    }
    if (key == "seed") {
        return json_int(key, v, o.seed);
    }
    if (key == "use_mmap") {
        if (!v.is_boolean()) return invalid("option \"use_mmap\" must be of type boolean");
        o.use_mmap = v.get<bool>();
        return {};
    }
    if (key == "flash_attention") {
        if (!v.is_boolean()) return invalid("option \"flash_attention\" must be of type boolean");
        o.flash_attention = v.get<bool>();
        return {};
    }
    if (key == "kv_cache_type") {
        if (!v.is_string()) return invalid("option \"kv_cache_type\" must be of type string");
        return set_kv_cache_type(o, v.get<std::string>());
    }
    if (key == "stop") {
        if (!v.is_array()) return invalid("option \"stop\" must be of type array");
        std::vector<std::string> stop;
        for (const auto & e : v) {
            if (!e.is_string()) return invalid("option \"stop\" must be of an array of strings");
            stop.push_back(e.get<std::string>());
        }
        return set_stop(o, std::move(stop));
    }
    return {};  // unknown and legacy keys are ignored, as Ollama does
}

// Strict parsers for Modelfile values, like Go's strconv.
bool parse_int(const std::string & s, int64_t & out) {
    if (s.empty() || std::isspace(static_cast<unsigned char>(s[0]))) return false;
    errno = 0;
    char * end = nullptr;
    long long v = std::strtoll(s.c_str(), &end, 10);
    if (errno != 0 || end != s.c_str() + s.size()) return false;
    out = v;
    return true;
}

bool parse_float(const std::string & s, double & out) {
    if (s.empty() || std::isspace(static_cast<unsigned char>(s[0]))) return false;
    errno = 0;
    char * end = nullptr;
    double v = std::strtod(s.c_str(), &end);
    if (errno == ERANGE || end != s.c_str() + s.size()) return false;
    out = v;
    return true;
}

bool parse_bool(const std::string & s, bool & out) {
    static const char * yes[] = {"1", "t", "T", "TRUE", "true", "True"};
    static const char * no[] = {"0", "f", "F", "FALSE", "false", "False"};
    for (const char * y : yes) {
        if (s == y) return out = true, true;
    }
    for (const char * n : no) {
        if (s == n) return out = false, true;
    }
    return false;
}

error bad_value(const char * type, const std::string & key, const std::string & value) {
    return invalid("invalid " + std::string(type) + " value \"" + value + "\" for parameter \"" + key + "\"");
}

// Applies a PARAMETER and returns its typed JSON value (null for ignored keys).
result<json> apply_param_typed(options & o, const std::string & key, const std::string & value) {
    if (const int_spec * s = find_int(key)) {
        int64_t i = 0;
        if (!parse_int(value, i)) return bad_value("int", key, value);
        if (auto st = set_int(o, *s, i); !st) return st.err();
        return json(i);
    }
    if (const float_spec * s = find_float(key)) {
        double d = 0;
        if (!parse_float(value, d)) return bad_value("float", key, value);
        if (auto st = set_float(o, *s, d); !st) return st.err();
        return json(d);
    }
    if (key == "seed") {
        if (!parse_int(value, o.seed)) return bad_value("int", key, value);
        return json(o.seed);
    }
    if (key == "use_mmap") {
        bool b = false;
        if (!parse_bool(value, b)) return bad_value("bool", key, value);
        o.use_mmap = b;
        return json(b);
    }
    if (key == "flash_attention") {
        bool b = false;
        if (!parse_bool(value, b)) return bad_value("bool", key, value);
        o.flash_attention = b;
        return json(b);
    }
    if (key == "kv_cache_type") {
        if (auto st = set_kv_cache_type(o, value); !st) return st.err();
        return json(value);
    }
    if (key == "stop") {
        std::vector<std::string> stop = o.stop;
        stop.push_back(value);
        if (auto st = set_stop(o, std::move(stop)); !st) return st.err();
        return json(value);
    }
    if (is_legacy_option(key)) {
        return json(nullptr);
    }
    return invalid("unknown parameter '" + key + "'");
}

}  // namespace

options default_options() { return options{}; }

bool is_legacy_option(std::string_view key) {
    return std::find(std::begin(k_legacy), std::end(k_legacy), key) != std::end(k_legacy);
}

bool is_known_option(std::string_view key) {
    return option_type_of(key).has_value();
}

std::optional<option_type> option_type_of(std::string_view key) {
    if (find_int(key) != nullptr || key == "seed") return option_type::integer;
    if (find_float(key) != nullptr) return option_type::number;
    if (key == "use_mmap" || key == "flash_attention") return option_type::boolean;
    if (key == "kv_cache_type") return option_type::string;
    if (key == "stop") return option_type::string_list;
    return std::nullopt;
}

status apply_json(options & opts, const json & obj) {
    if (obj.is_null()) return {};
    if (!obj.is_object()) return invalid("options must be an object");
    options tmp = opts;
    for (auto it = obj.begin(); it != obj.end(); ++it) {
        if (it.value().is_null()) continue;
        if (auto st = apply_one_json(tmp, it.key(), it.value()); !st) return st;
    }
    opts = std::move(tmp);
    return {};
}

status apply_param(options & opts, const std::string & key, const std::string & value) {
    options tmp = opts;
    auto r = apply_param_typed(tmp, key, value);
    if (!r) return r.err();
    opts = std::move(tmp);
    return {};
}

result<json> params_to_json(const std::vector<std::pair<std::string, std::string>> & params) {
    options scratch;
    json out = json::object();
    for (const auto & [key, value] : params) {
        auto v = apply_param_typed(scratch, key, value);
        if (!v) return v.err();
        if (v->is_null()) continue;
        if (key == "stop") {
            if (!out.contains("stop")) out["stop"] = json::array();
            out["stop"].push_back(std::move(*v));
        } else {
            out[key] = std::move(*v);
        }
    }
    return out;
}

}  // namespace lokal::api
