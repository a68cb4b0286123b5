// OpenAI requests → native requests: /v1/chat/completions → /api/chat and
// /v1/completions → /api/generate.
#include "compat/common.h"
#include "compat/openai/openai.h"
#include "core/base64.h"

#include <array>

namespace lokal::compat::openai {

namespace {

error bad(std::string message) { return make_error(errc::invalid_request, std::move(message)); }

// An image part's URL: a base64 data URL (Ollama's accepted types, or no
// media type at all) becomes the native image, base64 as native takes it.
result<std::string> image_from_url(const std::string & url) {
    if (url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0) {
        return bad("image URLs are not currently supported, please use base64 encoded data instead");
    }
    static const std::array<const char *, 5> prefixes = {"data:;base64,", "data:image/jpeg;base64,",
                                                          "data:image/jpg;base64,", "data:image/png;base64,",
                                                          "data:image/webp;base64,"};
    for (const char * p : prefixes) {
        std::string_view prefix(p);
        if (url.compare(0, prefix.size(), prefix) != 0) continue;
        std::string data = url.substr(prefix.size());
        if (!base64_decode(data)) return bad("invalid image input");
        return data;
    }
    return bad("invalid image input");
}

// Content parts (text and image_url) into one native message: the texts
// joined by newlines, the images in order. Ollama makes one message per part;
// one turn per message is what chat templates expect.
status add_parts(const json & parts, json & msg) {
    std::string text;
    bool first = true;
    for (const auto & part : parts) {
        if (!part.is_object()) return bad("invalid message format");
        auto type = part.value("type", std::string());
        if (type == "text") {
            auto it = part.find("text");
            if (it == part.end() || !it->is_string()) return bad("invalid message format");
            if (!first) text += "\n";
            text += it->get<std::string>();
            first = false;
        } else if (type == "image_url") {
            auto it = part.find("image_url");
            std::string url;
            if (it != part.end() && it->is_object() && it->contains("url") && (*it)["url"].is_string()) {
                url = (*it)["url"].get<std::string>();
            } else if (it != part.end() && it->is_string()) {
                url = it->get<std::string>();
            } else {
                return bad("invalid message format");
            }
            auto img = image_from_url(url);
            if (!img) return img.err();
            msg["images"].push_back(std::move(*img));
        } else {
            return bad("invalid message format");
        }
    }
    msg["content"] = text;
    return {};
}

// OpenAI tool calls (arguments as a JSON string) → native (an object).
result<json> native_tool_calls(const json & calls) {
    if (!calls.is_array()) return bad("invalid message format");
    json out = json::array();
    for (const auto & tc : calls) {
        if (!tc.is_object() || !tc.contains("function") || !tc["function"].is_object()) {
            return bad("invalid message format");
        }
        const json & fn = tc["function"];
        json args = json::object();
        if (auto a = fn.find("arguments"); a != fn.end() && !a->is_null()) {
            if (!a->is_string()) return bad("invalid tool call arguments");
            args = json::parse(a->get<std::string>(), nullptr, false);
            if (args.is_discarded()) return bad("invalid tool call arguments");
        }
        json call = json::object();
        if (tc.contains("id") && tc["id"].is_string()) call["id"] = tc["id"];
        call["function"] = json{{"name", fn.value("name", std::string())}, {"arguments", std::move(args)}};
        out.push_back(std::move(call));
    }
    return out;
}

// The name of the tool a "tool" message answers, from the call it names
// (last one wins, as in Ollama).
std::string tool_name_for(const json & messages, const std::string & call_id) {
    for (auto m = messages.rbegin(); m != messages.rend(); ++m) {
        if (!m->is_object() || !m->contains("tool_calls") || !(*m)["tool_calls"].is_array()) continue;
        for (const auto & tc : (*m)["tool_calls"]) {
            if (tc.is_object() && tc.value("id", std::string()) == call_id && tc.contains("function")) {
                return tc["function"].value("name", std::string());
            }
        }
    }
    return {};
}

result<json> native_message(const json & messages, const json & m, size_t i) {
    std::string where = "messages[" + std::to_string(i) + "]";
    if (!m.is_object()) return field_error(where, "an object");
    std::optional<std::string> role, name, call_id, reasoning;
    if (auto st = read_string(m, "role", role); !st) return st.err();
    if (!role || role->empty()) return bad(where + ": role is required");
    if (auto st = read_string(m, "name", name); !st) return st.err();
    if (auto st = read_string(m, "tool_call_id", call_id); !st) return st.err();
    if (auto st = read_string(m, "reasoning", reasoning); !st) return st.err();
    if (!reasoning) {
        if (auto st = read_string(m, "reasoning_content", reasoning); !st) return st.err();
    }
    // OpenAI's "developer" role is its newer name for "system".
    json out{{"role", *role == "developer" ? "system" : *role}, {"content", ""}};
    const json * content = m.contains("content") ? &m["content"] : nullptr;
    bool has_calls = m.contains("tool_calls") && !m["tool_calls"].is_null();
    if (content && content->is_string()) {
        out["content"] = *content;
    } else if (content && content->is_array()) {
        if (auto st = add_parts(*content, out); !st) return st.err();
    } else if (!has_calls && !(content && content->is_null() && *role == "assistant")) {
        return bad("invalid message content type: " + std::string(content ? content->type_name() : "missing"));
    }
    if (reasoning && !reasoning->empty()) out["thinking"] = *reasoning;
    if (has_calls) {
        auto calls = native_tool_calls(m["tool_calls"]);
        if (!calls) return calls.err();
        if (!calls->empty()) out["tool_calls"] = std::move(*calls);
    }
    if (*role == "tool") {
        std::string tool = name.value_or("");
        if (tool.empty() && call_id) tool = tool_name_for(messages, *call_id);
        if (!tool.empty()) out["tool_name"] = tool;
    }
    if (call_id && !call_id->empty()) out["tool_call_id"] = *call_id;
    return out;
}

// Sampling fields both endpoints share, onto native options (Ollama's
// defaults: temperature and top_p 1, as OpenAI's are).
status add_sampling(const json & body, json & native) {
    json & o = native["options"];
    if (auto it = body.find("stop"); it != body.end()) {
        auto stops = read_stop(*it, "stop");
        if (!stops) return stops.err();
        if (!it->is_null()) o["stop"] = *stops;
    }
    std::optional<int64_t> max_tokens, seed;
    if (auto st = read_integer(body, "max_completion_tokens", max_tokens); !st) return st;
    if (!max_tokens) {
        if (auto st = read_integer(body, "max_tokens", max_tokens); !st) return st;
    }
    if (max_tokens) o["num_predict"] = *max_tokens;
    if (auto st = read_integer(body, "seed", seed); !st) return st;
    if (seed) o["seed"] = *seed;
    for (const char * key : {"temperature", "top_p", "frequency_penalty", "presence_penalty"}) {
        std::optional<double> v;
        if (auto st = read_number(body, key, v); !st) return st;
        if (v) o[key] = body[key];
    }
    if (!o.contains("temperature")) o["temperature"] = 1.0;
    if (!o.contains("top_p")) o["top_p"] = 1.0;
    return {};
}

// stream, stream_options.include_usage, n; and the model.
status add_common(const json & body, plan & p, int64_t & n) {
    std::optional<std::string> model;
    if (auto st = read_string(body, "model", model); !st) return st;
    p.model = model.value_or("");
    std::optional<bool> stream;
    if (auto st = read_bool(body, "stream", stream); !st) return st;
    p.stream = stream.value_or(false);
    if (auto it = body.find("stream_options"); it != body.end() && !it->is_null()) {
        if (!it->is_object()) return field_error("stream_options", "an object");
        std::optional<bool> usage;
        if (auto st = read_bool(*it, "include_usage", usage); !st) return st;
        p.include_usage = usage.value_or(false);
    }
    std::optional<int64_t> choices;
    if (auto st = read_integer(body, "n", choices); !st) return st;
    n = choices.value_or(1);
    if (n < 1 || n > max_choices) {
        return bad("invalid value for 'n': must be between 1 and " + std::to_string(max_choices));
    }
    return {};
}

status add_response_format(const json & body, json & native) {
    auto it = body.find("response_format");
    if (it == body.end() || it->is_null()) return {};
    if (!it->is_object()) return field_error("response_format", "an object");
    std::string type = it->value("type", std::string());
    if (type == "json_object") {
        native["format"] = "json";
    } else if (type == "json_schema") {
        auto js = it->find("json_schema");
        if (js == it->end() || !js->is_object() || !js->contains("schema") || !(*js)["schema"].is_object()) {
            return bad("response_format.json_schema.schema must be a JSON schema object");
        }
        native["format"] = (*js)["schema"];
    } else if (type != "text") {
        return bad("invalid value for 'response_format.type': '" + type +
                   "' (must be \"text\", \"json_object\" or \"json_schema\")");
    }
    return {};
}

status add_reasoning(const json & body, json & native) {
    std::optional<std::string> effort;
    if (auto it = body.find("reasoning"); it != body.end() && !it->is_null()) {
        if (!it->is_object()) return field_error("reasoning", "an object");
        if (auto st = read_string(*it, "effort", effort); !st) return st;
    }
    if (!effort) {
        if (auto st = read_string(body, "reasoning_effort", effort); !st) return st;
    }
    if (!effort || effort->empty()) return {};
    if (*effort == "none") {
        native["think"] = false;
    } else if (*effort == "low" || *effort == "medium" || *effort == "high") {
        native["think"] = *effort;
    } else {
        return bad("invalid reasoning value: '" + *effort + "' (must be \"high\", \"medium\", \"low\", or \"none\")");
    }
    return {};
}

status add_tools(const json & body, json & native) {
    if (auto it = body.find("tools"); it != body.end() && !it->is_null()) {
        if (!it->is_array()) return field_error("tools", "an array");
        if (!it->empty()) native["tools"] = *it;
    }
    if (auto it = body.find("tool_choice"); it != body.end() && !it->is_null()) {
        if (!it->is_string() && !it->is_object()) return field_error("tool_choice", "a string or an object");
        native["tool_choice"] = *it;
    }
    return {};
}

status add_logprobs(const json & body, json & native) {
    std::optional<bool> logprobs;
    std::optional<int64_t> top;
    if (auto st = read_bool(body, "logprobs", logprobs); !st) return st;
    if (auto st = read_integer(body, "top_logprobs", top); !st) return st;
    if (logprobs.value_or(false)) native["logprobs"] = true;
    if (top) native["top_logprobs"] = *top;
    return {};
}

// One native body per choice. With a seed, choice i samples with seed + i,
// so the choices differ and each stays reproducible.
void fan_out(plan & p, const json & native, int64_t n) {
    for (int64_t i = 0; i < n; ++i) {
        json one = native;
        if (i > 0 && one["options"].contains("seed")) one["options"]["seed"] = one["options"]["seed"].get<int64_t>() + i;
        p.natives.push_back(std::move(one));
    }
}

}  // namespace

result<plan> chat_request(const json & body) {
    plan p;
    int64_t n = 1;
    if (auto st = add_common(body, p, n); !st) return st.err();
    auto it = body.find("messages");
    if (it == body.end() || it->is_null() || (it->is_array() && it->empty())) {
        return bad("[] is too short - 'messages'");
    }
    if (!it->is_array()) return field_error("messages", "an array");
    json native{{"model", p.model}, {"messages", json::array()}};
    for (size_t i = 0; i < it->size(); ++i) {
        auto m = native_message(*it, (*it)[i], i);
        if (!m) return m.err();
        native["messages"].push_back(std::move(*m));
    }
    native["options"] = json::object();
    if (auto st = apply_extra_fields(body, native); !st) return st.err();
    for (auto add : {add_sampling, add_response_format, add_reasoning, add_tools, add_logprobs}) {
        if (auto st = add(body, native); !st) return st.err();
    }
    native["stream"] = p.stream;
    if (body.value("_debug_render_only", false) == true) native["_debug_render_only"] = true;
    fan_out(p, native, n);
    return p;
}

result<plan> completion_request(const json & body) {
    plan p;
    int64_t n = 1;
    if (auto st = add_common(body, p, n); !st) return st.err();
    // A string, or an array of strings (one choice group per prompt).
    std::vector<std::string> prompts;
    auto it = body.find("prompt");
    if (it == body.end() || it->is_null()) {
        prompts.emplace_back();
    } else if (it->is_string()) {
        prompts.push_back(it->get<std::string>());
    } else if (it->is_array() && !it->empty() && (*it)[0].is_string()) {
        for (const auto & s : *it) {
            if (!s.is_string()) return field_error("prompt", "a string or an array of strings");
            prompts.push_back(s.get<std::string>());
        }
    } else {
        return field_error("prompt", "a string or an array of strings (token arrays are not supported)");
    }
    if (static_cast<int64_t>(prompts.size()) * n > max_choices) {
        return bad("too many choices: prompts x n must be at most " + std::to_string(max_choices));
    }
    json native{{"model", p.model}, {"prompt", ""}, {"options", json::object()}};
    if (auto st = apply_extra_fields(body, native); !st) return st.err();
    if (auto st = add_sampling(body, native); !st) return st.err();
    // Ollama always sends both penalties on this route (zero when absent).
    for (const char * key : {"frequency_penalty", "presence_penalty"}) {
        if (!native["options"].contains(key)) native["options"][key] = 0;
    }
    std::optional<std::string> suffix;
    if (auto st = read_string(body, "suffix", suffix); !st) return st.err();
    if (suffix && !suffix->empty()) native["suffix"] = *suffix;
    std::optional<int64_t> logprobs;
    if (auto st = read_integer(body, "logprobs", logprobs); !st) return st.err();
    if (logprobs && *logprobs > 0) {
        native["logprobs"] = true;
        native["top_logprobs"] = *logprobs;
    }
    std::optional<bool> echo;
    if (auto st = read_bool(body, "echo", echo); !st) return st.err();
    if (echo.value_or(false) && prompts.size() > 1) return bad("echo works with one prompt only");
    if (echo.value_or(false)) p.echo = prompts[0];
    native["stream"] = p.stream;
    if (body.value("_debug_render_only", false) == true) native["_debug_render_only"] = true;
    for (const auto & prompt : prompts) {
        native["prompt"] = prompt;
        fan_out(p, native, n);
    }
    return p;
}

}  // namespace lokal::compat::openai
