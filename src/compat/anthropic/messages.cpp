// Anthropic requests → native /api/chat bodies; native final objects →
// Anthropic messages.
#include "compat/anthropic/anthropic.h"
#include "compat/common.h"
#include "core/base64.h"

namespace lokal::compat::anthropic {

namespace {

error bad(std::string message) { return make_error(errc::invalid_request, std::move(message)); }

result<std::string> image_data(const json & block) {
    auto src = block.find("source");
    if (src == block.end() || !src->is_object()) return bad("invalid image source");
    std::string type = src->value("type", std::string());
    if (type != "base64") {
        return bad("invalid image source type: " + type + ". Only base64 images are supported.");
    }
    auto data = src->find("data");
    if (data == src->end() || !data->is_string() || !base64_decode(data->get<std::string>())) {
        return bad("invalid base64 image data");
    }
    return data->get<std::string>();
}

// A tool_result's content: a string, or text and image blocks.
status tool_result(const json & block, json & msg) {
    auto c = block.find("content");
    if (c == block.end() || c->is_null()) return {};
    if (c->is_string()) {
        msg["content"] = *c;
        return {};
    }
    if (!c->is_array()) return bad("invalid tool_result content");
    std::string text;
    for (const auto & b : *c) {
        if (!b.is_object()) continue;
        std::string type = b.value("type", std::string());
        if (type == "text" && b.contains("text") && b["text"].is_string()) text += b["text"].get<std::string>();
        if (type == "image") {
            auto img = image_data(b);
            if (!img) return img.err();
            msg["images"].push_back(std::move(*img));
        }
    }
    msg["content"] = text;
    return {};
}

// Tool names by tool_use id, so tool results can name their tool (Go
// templates render .ToolName).
void index_tool_uses(const json & messages, json & names) {
    for (const auto & m : messages) {
        if (!m.is_object() || !m.contains("content") || !m["content"].is_array()) continue;
        for (const auto & b : m["content"]) {
            if (b.is_object() && b.value("type", std::string()) == "tool_use" && b.contains("id") && b["id"].is_string()) {
                names[b["id"].get<std::string>()] = b.value("name", std::string());
            }
        }
    }
}

// One Anthropic message → native messages: tool results become "tool"
// messages (before the user's own text, as Ollama orders them).
status add_message(const json & m, size_t i, const json & tool_names, json & out) {
    std::string where = "messages." + std::to_string(i);
    if (!m.is_object()) return field_error(where, "an object");
    std::optional<std::string> role_field;
    if (auto st = read_string(m, "role", role_field); !st) return st;
    std::string role = role_field.value_or("");
    if (role != "user" && role != "assistant") return bad(where + ".role: Input should be 'user' or 'assistant'");
    auto content = m.find("content");
    if (content == m.end() || (!content->is_string() && !content->is_array())) {
        return field_error(where + ".content", "a string or an array of content blocks");
    }
    json msg{{"role", role}, {"content", ""}};
    if (content->is_string()) {
        msg["content"] = *content;
        out.push_back(std::move(msg));
        return {};
    }
    std::string text;
    json results = json::array();
    for (const auto & b : *content) {
        if (!b.is_object()) return field_error(where + ".content", "an array of content blocks");
        std::string type = b.value("type", std::string());
        if (type == "text") {
            if (b.contains("text") && b["text"].is_string()) text += b["text"].get<std::string>();
        } else if (type == "image") {
            auto img = image_data(b);
            if (!img) return img.err();
            msg["images"].push_back(std::move(*img));
        } else if (type == "tool_use") {
            std::string id = b.value("id", std::string()), name = b.value("name", std::string());
            if (id.empty()) return bad("tool_use block missing required 'id' field");
            if (name.empty()) return bad("tool_use block missing required 'name' field");
            json input = b.contains("input") && b["input"].is_object() ? b["input"] : json::object();
            msg["tool_calls"].push_back(json{{"id", id}, {"function", json{{"name", name}, {"arguments", input}}}});
        } else if (type == "tool_result") {
            json r{{"role", "tool"}, {"content", ""}};
            if (auto st = tool_result(b, r); !st) return st;
            std::string id = b.value("tool_use_id", std::string());
            if (tool_names.contains(id)) r["tool_name"] = tool_names[id];
            if (!id.empty()) r["tool_call_id"] = id;
            results.push_back(std::move(r));
        } else if (type == "thinking") {
            if (b.contains("thinking") && b["thinking"].is_string()) msg["thinking"] = b["thinking"];
        }
        // Other block types (redacted_thinking, documents, server tools) carry
        // nothing a local model can use; Ollama skips them too.
    }
    msg["content"] = text;
    for (auto & r : results) out.push_back(std::move(r));
    if (!text.empty() || msg.contains("images") || msg.contains("tool_calls") || msg.contains("thinking")) {
        out.push_back(std::move(msg));
    }
    return {};
}

status add_system(const json & body, json & messages) {
    auto it = body.find("system");
    if (it == body.end() || it->is_null()) return {};
    std::string text;
    if (it->is_string()) {
        text = it->get<std::string>();
    } else if (it->is_array()) {
        for (const auto & b : *it) {
            if (b.is_object() && b.value("type", std::string()) == "text" && b.contains("text") && b["text"].is_string()) {
                text += b["text"].get<std::string>();
            }
        }
    } else {
        return field_error("system", "a string or an array of text blocks");
    }
    if (!text.empty()) messages.push_back(json{{"role", "system"}, {"content", text}});
    return {};
}

status add_tools(const json & body, json & native) {
    if (auto it = body.find("tools"); it != body.end() && !it->is_null()) {
        if (!it->is_array()) return field_error("tools", "an array");
        for (const auto & t : *it) {
            if (!t.is_object() || !t.contains("name") || !t["name"].is_string()) return bad("tools: each tool needs a name");
            json fn{{"name", t["name"]}};
            if (t.contains("description")) fn["description"] = t["description"];
            fn["parameters"] = t.contains("input_schema") ? t["input_schema"] : json::object();
            native["tools"].push_back(json{{"type", "function"}, {"function", std::move(fn)}});
        }
    }
    auto it = body.find("tool_choice");
    if (it == body.end() || it->is_null()) return {};
    if (!it->is_object()) return field_error("tool_choice", "an object");
    std::string type = it->value("type", std::string());
    if (type == "auto" || type == "none") {
        native["tool_choice"] = type;
    } else if (type == "any") {
        native["tool_choice"] = "required";
    } else if (type == "tool") {
        native["tool_choice"] = json{{"type", "function"}, {"function", json{{"name", it->value("name", std::string())}}}};
    } else {
        return bad("tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'");
    }
    return {};
}

status add_options(const json & body, json & native) {
    json & o = native["options"];
    for (const char * key : {"temperature", "top_p"}) {
        std::optional<double> v;
        if (auto st = read_number(body, key, v); !st) return st;
        if (v) o[key] = *v;
    }
    std::optional<int64_t> top_k;
    if (auto st = read_integer(body, "top_k", top_k); !st) return st;
    if (top_k) o["top_k"] = *top_k;
    if (auto it = body.find("stop_sequences"); it != body.end() && !it->is_null()) {
        if (!it->is_array()) return field_error("stop_sequences", "an array of strings");
        auto stops = read_stop(*it, "stop_sequences");
        if (!stops) return stops.err();
        if (!stops->empty()) o["stop"] = *stops;
    }
    return {};
}

status add_thinking(const json & body, json & native) {
    // output_config.effort sets a thinking level unless thinking says otherwise.
    if (auto oc = body.find("output_config"); oc != body.end() && oc->is_object()) {
        std::string effort = oc->value("effort", std::string());
        if (effort == "xhigh" || effort == "max") effort = "high";
        if (effort == "low" || effort == "medium" || effort == "high") native["think"] = effort;
    }
    auto it = body.find("thinking");
    if (it == body.end() || it->is_null()) return {};
    if (!it->is_object()) return field_error("thinking", "an object");
    std::string type = it->value("type", std::string());
    if (type == "enabled") native["think"] = true;
    else if (type == "disabled") native["think"] = false;
    else return bad("thinking.type: Input should be 'enabled' or 'disabled'");
    return {};
}

// Everything but max_tokens and stream: the prompt and how to sample it.
result<plan> translate(const json & body) {
    plan p;
    std::optional<std::string> model;
    if (auto st = read_string(body, "model", model); !st) return st.err();
    if (!model || model->empty()) return bad("model: Field required");
    p.model = *model;
    auto msgs = body.find("messages");
    if (msgs == body.end() || !msgs->is_array()) return bad("messages: Field required");
    json native{{"model", p.model}, {"messages", json::array()}, {"options", json::object()}};
    if (auto st = add_system(body, native["messages"]); !st) return st.err();
    json names = json::object();
    index_tool_uses(*msgs, names);
    for (size_t i = 0; i < msgs->size(); ++i) {
        if (auto st = add_message((*msgs)[i], i, names, native["messages"]); !st) return st.err();
    }
    if (auto st = apply_extra_fields(body, native); !st) return st.err();
    for (auto add : {add_options, add_tools, add_thinking}) {
        if (auto st = add(body, native); !st) return st.err();
    }
    p.native = std::move(native);
    return p;
}

}  // namespace

result<plan> messages_request(const json & body) {
    auto p = translate(body);
    if (!p) return p;
    std::optional<int64_t> max_tokens;
    if (auto st = read_integer(body, "max_tokens", max_tokens); !st) return st.err();
    if (!max_tokens) return bad("max_tokens: Field required");
    if (*max_tokens < 1) return bad("max_tokens: must be greater than or equal to 1");
    p->native["options"]["num_predict"] = *max_tokens;
    std::optional<bool> stream;
    if (auto st = read_bool(body, "stream", stream); !st) return st.err();
    p->stream = stream.value_or(false);
    p->native["stream"] = p->stream;
    return p;
}

result<plan> count_tokens_request(const json & body) {
    auto p = translate(body);
    if (!p) return p;
    p->native["stream"] = false;
    p->native["_debug_render_only"] = true;
    return p;
}

json tokenize_request(const std::string & model, const json & rendered) {
    std::string prompt;
    if (auto info = rendered.find("_debug_info"); info != rendered.end() && info->is_object()) {
        prompt = info->value("rendered_template", std::string());
    }
    // As the runner tokenizes a rendered prompt: BOS added, special tokens parsed.
    return json{{"model", model}, {"content", prompt}, {"add_special", true}, {"parse_special", true}};
}

std::string stop_reason(const std::string & done_reason, bool tool_calls) {
    if (tool_calls) return "tool_use";
    if (done_reason == "length") return "max_tokens";
    return "end_turn";
}

json message(const std::string & id, const std::string & model, const json & native) {
    json content = json::array();
    const json msg = native.value("message", json::object());
    std::string thinking = msg.value("thinking", std::string());
    std::string text = msg.value("content", std::string());
    if (!thinking.empty()) content.push_back(json{{"type", "thinking"}, {"thinking", thinking}});
    if (!text.empty()) content.push_back(json{{"type", "text"}, {"text", text}});
    const json calls = msg.value("tool_calls", json::array());
    for (const auto & tc : calls) {
        const json fn = tc.value("function", json::object());
        std::string call_id = tc.value("id", std::string());
        if (call_id.empty()) call_id = random_hex_id("toolu_");
        content.push_back(json{{"type", "tool_use"},
                               {"id", call_id},
                               {"name", fn.value("name", std::string())},
                               {"input", fn.value("arguments", json::object())}});
    }
    return json{{"id", id},
                {"type", "message"},
                {"role", "assistant"},
                {"model", model},
                {"content", std::move(content)},
                {"stop_reason", stop_reason(native.value("done_reason", std::string()), !calls.empty())},
                {"stop_sequence", nullptr},
                {"usage", json{{"input_tokens", native.value("prompt_eval_count", 0)},
                               {"output_tokens", native.value("eval_count", 0)}}}};
}

}  // namespace lokal::compat::anthropic
