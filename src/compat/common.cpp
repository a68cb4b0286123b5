#include "compat/common.h"

#include "core/gojson.h"

#include <chrono>
#include <ctime>
#include <random>

namespace lokal::compat {

namespace {

std::mt19937_64 & rng() {
    thread_local std::mt19937_64 g{std::random_device{}()};
    return g;
}

}  // namespace

json openai_error(int status, std::string_view message) {
    // Ollama's mapping (400, 404, else api_error), plus the types OpenAI
    // documents for authentication, permissions and rate limits.
    const char * type = "api_error";
    switch (status) {
        case 400:
        case 413: type = "invalid_request_error"; break;
        case 401: type = "authentication_error"; break;
        case 403: type = "permission_error"; break;
        case 404: type = "not_found_error"; break;
        case 429: type = "rate_limit_error"; break;
        default: break;
    }
    return json{{"error", json{{"message", message}, {"type", type}, {"param", nullptr}, {"code", nullptr}}}};
}

std::string anthropic_error_type(int status) {
    switch (status) {
        case 400: return "invalid_request_error";
        case 401: return "authentication_error";
        case 403: return "permission_error";
        case 404: return "not_found_error";
        case 413: return "request_too_large";
        case 429: return "rate_limit_error";
        case 503:
        case 529: return "overloaded_error";
        default: return "api_error";
    }
}

json anthropic_error(int status, std::string_view message) {
    return json{{"type", "error"}, {"error", json{{"type", anthropic_error_type(status)}, {"message", message}}}};
}

std::string native_error_message(std::string_view body) {
    json j = json::parse(body, nullptr, false);
    if (j.is_object()) {
        auto it = j.find("error");
        if (it != j.end() && it->is_string()) return it->get<std::string>();
    }
    return std::string(body);
}

std::string dump(const json & j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// Events go out in Go's encoding, as Ollama's compatibility layer writes
// them (core/gojson.h), like every other answer (http::json_text).
std::string sse_data(const json & j) { return "data: " + gofmt::dump_json(j) + "\n\n"; }

std::string sse_event(std::string_view name, const json & j) {
    std::string out = "event: ";
    out += name;
    out += "\ndata: ";
    out += gofmt::dump_json(j);
    out += "\n\n";
    return out;
}

result<std::vector<std::string>> line_splitter::feed(std::string_view data) {
    pending_.append(data);
    std::vector<std::string> lines;
    size_t start = 0;
    for (;;) {
        size_t nl = pending_.find('\n', start);
        if (nl == std::string::npos) break;
        lines.emplace_back(pending_, start, nl - start);
        start = nl + 1;
    }
    pending_.erase(0, start);
    if (pending_.size() > max_line_) return make_error(errc::internal, "stream line too long");
    return lines;
}

std::string random_digits_id(std::string_view prefix, int digits) {
    std::uniform_int_distribution<int> d(0, 9);
    std::string out(prefix);
    // Ollama's ids are rand.Intn(999) in decimal: no leading zeros.
    int64_t max = 1;
    for (int i = 0; i < digits; ++i) max *= 10;
    std::uniform_int_distribution<int64_t> n(0, max - 2);
    out += std::to_string(n(rng()));
    return out;
}

std::string random_hex_id(std::string_view prefix) {
    static const char * hex = "0123456789abcdef";
    std::uniform_int_distribution<int> d(0, 15);
    std::string out(prefix);
    for (int i = 0; i < 24; ++i) out += hex[d(rng())];
    return out;
}

const json & reply_message(const json & native) {
    static const json empty = json::object();
    auto it = native.find("message");
    return it != native.end() && it->is_object() ? *it : empty;
}

int64_t reply_count(const json & native, const char * key) {
    auto it = native.find(key);
    return it != native.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

int64_t unix_from_rfc3339(std::string_view ts) {
    std::tm tm{};
    std::string s(ts.substr(0, 19));
    if (s.size() != 19 || !strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) return unix_now();
    int64_t secs = timegm(&tm);
    // Offset after the optional fraction: Z, +hh:mm or -hh:mm.
    size_t i = 19;
    if (i < ts.size() && ts[i] == '.') {
        ++i;
        while (i < ts.size() && ts[i] >= '0' && ts[i] <= '9') ++i;
    }
    if (i + 6 <= ts.size() && (ts[i] == '+' || ts[i] == '-')) {
        int h = (ts[i + 1] - '0') * 10 + (ts[i + 2] - '0');
        int m = (ts[i + 4] - '0') * 10 + (ts[i + 5] - '0');
        int64_t off = h * 3600 + m * 60;
        secs += ts[i] == '+' ? -off : off;
    }
    return secs;
}

error field_error(std::string_view field, std::string_view expected) {
    return make_error(errc::invalid_request,
                      "invalid value for '" + std::string(field) + "': expected " + std::string(expected));
}

status read_string(const json & body, const char * key, std::optional<std::string> & out) {
    auto it = body.find(key);
    if (it == body.end() || it->is_null()) return {};
    if (!it->is_string()) return field_error(key, "a string");
    out = it->get<std::string>();
    return {};
}

status read_number(const json & body, const char * key, std::optional<double> & out) {
    auto it = body.find(key);
    if (it == body.end() || it->is_null()) return {};
    if (!it->is_number()) return field_error(key, "a number");
    out = it->get<double>();
    return {};
}

status read_integer(const json & body, const char * key, std::optional<int64_t> & out) {
    auto it = body.find(key);
    if (it == body.end() || it->is_null()) return {};
    if (!it->is_number_integer()) return field_error(key, "an integer");
    out = it->get<int64_t>();
    return {};
}

status read_bool(const json & body, const char * key, std::optional<bool> & out) {
    auto it = body.find(key);
    if (it == body.end() || it->is_null()) return {};
    if (!it->is_boolean()) return field_error(key, "a boolean");
    out = it->get<bool>();
    return {};
}

result<std::vector<std::string>> read_stop(const json & value, std::string_view field) {
    std::vector<std::string> stops;
    if (value.is_null()) return stops;
    if (value.is_string()) {
        stops.push_back(value.get<std::string>());
        return stops;
    }
    if (!value.is_array()) return field_error(field, "a string or an array of strings");
    for (const auto & s : value) {
        if (!s.is_string()) return field_error(field, "a string or an array of strings");
        stops.push_back(s.get<std::string>());
    }
    return stops;
}

status apply_extra_fields(const json & body, json & native) {
    if (auto it = body.find("options"); it != body.end() && !it->is_null()) {
        if (!it->is_object()) return field_error("options", "an object");
        for (const auto & [k, v] : it->items()) native["options"][k] = v;
    }
    std::optional<int64_t> num_ctx;
    if (auto st = read_integer(body, "num_ctx", num_ctx); !st) return st;
    if (num_ctx) native["options"]["num_ctx"] = *num_ctx;
    if (auto it = body.find("keep_alive"); it != body.end() && !it->is_null()) native["keep_alive"] = *it;
    return {};
}

}  // namespace lokal::compat
