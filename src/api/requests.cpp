#include "api/requests.h"

#include "config/config.h"

#include <cmath>
#include <ctime>

namespace lokal::api {

namespace {

error type_error(const std::string & field, const char * type) {
    return make_error(errc::invalid_request, "invalid value for \"" + field + "\": expected " + type);
}

status get_string(const json & body, const char * key, std::string & out) {
    auto it = body.find(key);
    if (it == body.end() || it->is_null()) return {};
    if (!it->is_string()) return type_error(key, "a string");
    out = it->get<std::string>();
    return {};
}

status get_opt_string(const json & body, const char * key, std::optional<std::string> & out) {
    auto it = body.find(key);
    if (it == body.end() || it->is_null()) return {};
    if (!it->is_string()) return type_error(key, "a string");
    out = it->get<std::string>();
    return {};
}

status get_bool(const json & body, const char * key, bool & out) {
    auto it = body.find(key);
    if (it == body.end() || it->is_null()) return {};
    if (!it->is_boolean()) return type_error(key, "true or false");
    out = it->get<bool>();
    return {};
}

status get_images(const json & body, const std::string & key, std::vector<std::string> & out) {
    auto it = body.find(key);
    if (it == body.end() || it->is_null()) return {};
    if (!it->is_array()) return type_error(key, "an array of base64 strings");
    for (const auto & v : *it) {
        if (!v.is_string()) return type_error(key, "an array of base64 strings");
        out.push_back(v.get<std::string>());
    }
    return {};
}

// Fields both routes share.
status get_common(const json & body, std::string & model, json & format, json & options, json & think,
                  std::optional<std::chrono::milliseconds> & keep_alive, bool & stream) {
    if (auto st = get_string(body, "model", model); !st) return st;
    if (model.empty()) {
        // Older clients send "name".
        if (auto st = get_string(body, "name", model); !st) return st;
    }
    if (model.empty()) return make_error(errc::invalid_request, "model is required");
    if (auto it = body.find("format"); it != body.end() && !it->is_null()) {
        if (!it->is_string() && !it->is_object()) return type_error("format", "\"json\" or a JSON schema object");
        if (!(it->is_string() && it->get<std::string>().empty())) format = *it;
    }
    if (auto it = body.find("options"); it != body.end() && !it->is_null()) {
        if (!it->is_object()) return type_error("options", "an object");
        options = *it;
    }
    if (auto it = body.find("think"); it != body.end()) think = *it;
    if (auto it = body.find("keep_alive"); it != body.end() && !it->is_null()) {
        auto ka = parse_keep_alive(*it);
        if (!ka) return ka.err();
        keep_alive = *ka;
    }
    return get_bool(body, "stream", stream);
}

// "logprobs" and "top_logprobs" (0-20, checked as Ollama does).
status get_logprobs(const json & body, bool & logprobs, int & top) {
    if (auto st = get_bool(body, "logprobs", logprobs); !st) return st;
    auto it = body.find("top_logprobs");
    if (it == body.end() || it->is_null()) return {};
    if (!it->is_number_integer()) return type_error("top_logprobs", "an integer");
    if (it->get<int64_t>() < 0 || it->get<int64_t>() > 20) {
        return make_error(errc::invalid_request, "top_logprobs must be between 0 and 20");
    }
    top = it->get<int>();
    return {};
}

}  // namespace

result<std::chrono::milliseconds> parse_keep_alive(const json & value) {
    if (value.is_number()) {
        double secs = value.get<double>();
        if (!std::isfinite(secs)) return type_error("keep_alive", "a duration");
        if (secs < 0) return std::chrono::milliseconds(-1);
        if (secs > 1e12) secs = 1e12;
        return std::chrono::milliseconds(static_cast<int64_t>(secs * 1000));
    }
    if (value.is_string()) {
        auto d = config::parse_duration(value.get<std::string>());
        if (!d) return make_error(errc::invalid_request, "invalid keep_alive: " + d.err().message);
        return *d;
    }
    return type_error("keep_alive", "a duration string or a number of seconds");
}

result<generate_request> parse_generate(const json & body) {
    generate_request r;
    if (auto st = get_common(body, r.model, r.format, r.options, r.think, r.keep_alive, r.stream); !st) return st.err();
    if (auto st = get_string(body, "prompt", r.prompt); !st) return st.err();
    if (auto st = get_string(body, "suffix", r.suffix); !st) return st.err();
    if (auto st = get_opt_string(body, "system", r.system); !st) return st.err();
    if (auto st = get_opt_string(body, "template", r.template_text); !st) return st.err();
    if (auto st = get_bool(body, "raw", r.raw); !st) return st.err();
    if (auto st = get_bool(body, "_debug_render_only", r.debug_render_only); !st) return st.err();
    if (auto st = get_logprobs(body, r.logprobs, r.top_logprobs); !st) return st.err();
    if (auto st = get_images(body, "images", r.images); !st) return st.err();
    if (auto it = body.find("context"); it != body.end() && !it->is_null()) {
        if (!it->is_array()) return type_error("context", "an array of token ids");
        for (const auto & v : *it) {
            if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() > INT32_MAX) {
                return type_error("context", "an array of token ids");
            }
            r.context.push_back(v.get<int32_t>());
        }
    }
    return r;
}

result<chat_request> parse_chat(const json & body) {
    chat_request r;
    if (auto st = get_common(body, r.model, r.format, r.options, r.think, r.keep_alive, r.stream); !st) return st.err();
    if (auto it = body.find("tools"); it != body.end() && !it->is_null()) r.tools = *it;
    if (auto st = get_bool(body, "_debug_render_only", r.debug_render_only); !st) return st.err();
    if (auto st = get_logprobs(body, r.logprobs, r.top_logprobs); !st) return st.err();
    auto it = body.find("messages");
    if (it == body.end() || it->is_null()) return r;
    if (!it->is_array()) return type_error("messages", "an array of messages");
    for (size_t i = 0; i < it->size(); ++i) {
        const json & m = (*it)[i];
        std::string where = "messages[" + std::to_string(i) + "]";
        if (!m.is_object()) return type_error(where, "an object");
        message msg;
        if (auto st = get_string(m, "role", msg.role); !st) return type_error(where + ".role", "a string");
        if (auto st = get_string(m, "content", msg.content); !st) return type_error(where + ".content", "a string");
        if (auto st = get_images(m, where + ".images", msg.images); !st) return st.err();
        if (msg.role.empty()) return make_error(errc::invalid_request, where + ": role is required");
        r.messages.push_back(std::move(msg));
    }
    return r;
}

std::string format_timestamp(std::chrono::system_clock::time_point tp, bool local) {
    using namespace std::chrono;
    auto secs = time_point_cast<seconds>(tp);
    if (secs > tp) secs -= seconds(1);
    long long nanos = duration_cast<nanoseconds>(tp - secs).count();
    std::time_t t = system_clock::to_time_t(secs);
    std::tm tm{};
    if (local) localtime_r(&t, &tm);
    else gmtime_r(&t, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    std::string out = buf;
    if (nanos > 0) {
        // Go's RFC3339Nano drops trailing zeros of the fraction.
        char frac[32];
        std::snprintf(frac, sizeof frac, ".%09lld", nanos);
        std::string f = frac;
        while (f.back() == '0') f.pop_back();
        out += f;
    }
    if (!local || tm.tm_gmtoff == 0) {
        out += "Z";
    } else {
        long off = tm.tm_gmtoff;
        char sign = off < 0 ? '-' : '+';
        off = std::labs(off);
        char zone[48];
        std::snprintf(zone, sizeof zone, "%c%02ld:%02ld", sign, off / 3600, (off % 3600) / 60);
        out += zone;
    }
    return out;
}

std::string timestamp_now() { return format_timestamp(std::chrono::system_clock::now()); }

}  // namespace lokal::api
