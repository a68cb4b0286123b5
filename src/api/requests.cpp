#include "api/requests.h"

#include "config/config.h"

#include <cctype>
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

// body["images"]; `where` names the field in errors.
status get_images(const json & body, const std::string & where, std::vector<std::string> & out) {
    auto it = body.find("images");
    if (it == body.end() || it->is_null()) return {};
    if (!it->is_array()) return type_error(where, "an array of base64 strings");
    for (const auto & v : *it) {
        if (!v.is_string()) return type_error(where, "an array of base64 strings");
        out.push_back(v.get<std::string>());
    }
    return {};
}

// Ollama's ThinkValue: a boolean or one of its level strings.
status get_think(const json & body, json & think) {
    auto it = body.find("think");
    if (it == body.end() || it->is_null()) return {};
    if (it->is_boolean()) {
        think = *it;
        return {};
    }
    if (it->is_string()) {
        std::string s = it->get<std::string>();
        if (s != "high" && s != "medium" && s != "low" && s != "max") {
            return make_error(errc::invalid_request, "invalid think value: \"" + s +
                                                         "\" (must be \"high\", \"medium\", \"low\", \"max\", true, or false)");
        }
        think = *it;
        return {};
    }
    return make_error(errc::invalid_request,
                      "think must be a boolean or string (\"high\", \"medium\", \"low\", \"max\", true, or false)");
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
    if (auto st = get_think(body, think); !st) return st;
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

// lokal's raw GBNF: top-level "grammar", or options.grammar for clients
// that only pass options through (the official ones).
status get_grammar(const json & body, const json & options, std::string & out) {
    if (auto st = get_string(body, "grammar", out); !st) return st;
    if (!out.empty() || !options.is_object()) return {};
    auto it = options.find("grammar");
    if (it == options.end() || it->is_null()) return {};
    if (!it->is_string()) return type_error("options.grammar", "a string");
    out = it->get<std::string>();
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
    if (auto st = get_grammar(body, r.options, r.grammar); !st) return st.err();
    if (auto st = get_bool(body, "_debug_render_only", r.debug_render_only); !st) return st.err();
    if (auto st = get_logprobs(body, r.logprobs, r.top_logprobs); !st) return st.err();
    if (auto st = get_bool(body, "truncate", r.truncate); !st) return st.err();
    if (auto st = get_bool(body, "shift", r.shift); !st) return st.err();
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

namespace {

// A message's tool_calls: objects with a function name; arguments an object
// (or a string holding one, as OpenAI-style clients send).
status get_tool_calls(const json & m, const std::string & where, json & out) {
    auto it = m.find("tool_calls");
    if (it == m.end() || it->is_null()) return {};
    const std::string key = where + ".tool_calls";
    if (!it->is_array()) return type_error(key, "an array of tool calls");
    out = json::array();
    for (const auto & c : *it) {
        if (!c.is_object() || !c.contains("function") || !c["function"].is_object()) {
            return type_error(key, "an array of {\"function\": {\"name\", \"arguments\"}} objects");
        }
        json call = c;
        json & fn = call["function"];
        if (fn.contains("name") && !fn["name"].is_string()) return type_error(key + "[].function.name", "a string");
        json & args = fn["arguments"];
        if (args.is_string()) args = json::parse(args.get<std::string>(), nullptr, false);
        if (args.is_null() || args.is_discarded()) args = json::object();
        if (!args.is_object()) return type_error(key + "[].function.arguments", "an object");
        out.push_back(std::move(call));
    }
    return {};
}

status get_tool_choice(const json & body, tool_choice & out) {
    auto it = body.find("tool_choice");
    if (it == body.end() || it->is_null()) return {};
    const char * expected = "\"auto\", \"none\", \"required\" or {\"type\": \"function\", \"function\": {\"name\": ...}}";
    if (it->is_string()) {
        std::string s = it->get<std::string>();
        if (s == "auto") out.how = tool_choice::mode::auto_;
        else if (s == "none") out.how = tool_choice::mode::none;
        else if (s == "required") out.how = tool_choice::mode::required;
        else return type_error("tool_choice", expected);
        return {};
    }
    if (it->is_object() && it->contains("function") && (*it)["function"].is_object() &&
        (*it)["function"].contains("name") && (*it)["function"]["name"].is_string()) {
        out.how = tool_choice::mode::function;
        out.name = (*it)["function"]["name"].get<std::string>();
        return {};
    }
    return type_error("tool_choice", expected);
}

status get_tools(const json & body, json & out) {
    auto it = body.find("tools");
    if (it == body.end() || it->is_null()) return {};
    if (!it->is_array()) return type_error("tools", "an array of tools");
    for (const auto & t : *it) {
        if (!t.is_object()) return type_error("tools", "an array of tool objects");
        auto fn = t.find("function");
        if (fn != t.end() && !fn->is_null() &&
            (!fn->is_object() || (fn->contains("name") && !(*fn)["name"].is_string()))) {
            return type_error("tools[].function", "an object with a string name");
        }
    }
    out = *it;
    return {};
}

result<message> parse_message(const json & m, const std::string & where) {
    if (!m.is_object()) return type_error(where, "an object");
    message msg;
    if (auto st = get_string(m, "role", msg.role); !st) return type_error(where + ".role", "a string");
    if (auto st = get_string(m, "content", msg.content); !st) return type_error(where + ".content", "a string");
    if (auto st = get_string(m, "thinking", msg.thinking); !st) return type_error(where + ".thinking", "a string");
    if (auto st = get_string(m, "tool_name", msg.tool_name); !st) return type_error(where + ".tool_name", "a string");
    if (auto st = get_string(m, "tool_call_id", msg.tool_call_id); !st) {
        return type_error(where + ".tool_call_id", "a string");
    }
    if (auto st = get_images(m, where + ".images", msg.images); !st) return st.err();
    if (auto st = get_tool_calls(m, where, msg.tool_calls); !st) return st.err();
    for (auto & c : msg.role) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (msg.role.empty()) return make_error(errc::invalid_request, where + ": role is required");
    return msg;
}
}  // namespace

result<chat_request> parse_chat(const json & body) {
    chat_request r;
    if (auto st = get_common(body, r.model, r.format, r.options, r.think, r.keep_alive, r.stream); !st) return st.err();
    if (auto st = get_tools(body, r.tools); !st) return st.err();
    if (auto st = get_tool_choice(body, r.tool_choice); !st) return st.err();
    if (auto st = get_grammar(body, r.options, r.grammar); !st) return st.err();
    if (auto st = get_bool(body, "_debug_render_only", r.debug_render_only); !st) return st.err();
    if (auto st = get_logprobs(body, r.logprobs, r.top_logprobs); !st) return st.err();
    if (auto st = get_bool(body, "truncate", r.truncate); !st) return st.err();
    if (auto st = get_bool(body, "shift", r.shift); !st) return st.err();
    auto it = body.find("messages");
    if (it == body.end() || it->is_null()) return r;
    if (!it->is_array()) return type_error("messages", "an array of messages");
    for (size_t i = 0; i < it->size(); ++i) {
        auto msg = parse_message((*it)[i], "messages[" + std::to_string(i) + "]");
        if (!msg) return msg.err();
        r.messages.push_back(std::move(*msg));
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
