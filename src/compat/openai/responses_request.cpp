// POST /v1/responses → a Chat Completions body → the native /api/chat body.
// Stateless: lokal keeps no responses, so the conversation comes whole in
// `input` (previous_response_id, conversation and background are refused).
#include "compat/common.h"
#include "compat/openai/openai.h"
#include "compat/openai/responses_api.h"

namespace lokal::compat::openai {

namespace {

error invalid(const std::string & message) { return make_error(errc::invalid_request, message); }

// A message's content (a string, or input_text/output_text/input_image
// parts) as Chat Completions content: the texts joined, images as parts.
result<json> chat_content(const json & content, const std::string & where) {
    if (content.is_string()) return content;
    if (content.is_null()) return json("");
    if (!content.is_array()) return invalid(where + ".content must be a string or an array");
    std::string text;
    json images = json::array();
    for (const auto & part : content) {
        std::string type = part.is_object() ? part.value("type", std::string()) : std::string();
        if (type == "input_text" || type == "output_text" || type == "text") {
            if (!part.contains("text") || !part["text"].is_string()) return invalid(where + ": text parts need a string text");
            text += part["text"].get<std::string>();
        } else if (type == "input_image") {
            if (!part.contains("image_url") || !part["image_url"].is_string()) {
                return invalid(where + ": input_image needs an image_url (a base64 data URL); file_id is not supported");
            }
            images.push_back(json{{"type", "image_url"}, {"image_url", {{"url", part["image_url"]}}}});
        } else if (type == "input_file") {
            return invalid("file inputs are not currently supported");
        } else if (type != "refusal") {
            return invalid(where + ": unknown content type: " + type);
        }
    }
    if (images.empty()) return json(text);
    json parts = json::array({json{{"type", "text"}, {"text", text}}});
    for (auto & img : images) parts.push_back(std::move(img));
    return parts;
}

// A reasoning item passed back: its summary texts (or its content).
std::string reasoning_text(const json & item) {
    std::string out;
    for (const char * key : {"summary", "content"}) {
        if (!item.contains(key) || !item[key].is_array()) continue;
        for (const auto & s : item[key]) {
            if (s.is_object() && s.contains("text") && s["text"].is_string()) out += s["text"].get<std::string>();
        }
        if (!out.empty()) break;
    }
    return out;
}

struct builder {
    json messages = json::array();
    std::string pending_reasoning;  // attached to the next assistant turn

    // The assistant turn a function_call belongs to: the last message when
    // it is the assistant's (its text and its calls are one turn), else a new one.
    json & assistant() {
        if (messages.empty() || messages.back().value("role", "") != "assistant") {
            messages.push_back(json{{"role", "assistant"}, {"content", nullptr}});
        }
        json & m = messages.back();
        if (!m.contains("tool_calls")) m["tool_calls"] = json::array();
        return m;
    }
    void take_reasoning(json & msg) {
        if (!pending_reasoning.empty()) msg["reasoning"] = std::move(pending_reasoning);
        pending_reasoning.clear();
    }

    status add(const json & item, const std::string & where) {
        if (!item.is_object()) return invalid(where + " must be an object");
        std::string type = item.value("type", std::string());
        if (type.empty() && item.contains("role")) type = "message";
        if (type == "message") {
            std::string role = item.value("role", std::string());
            if (role != "user" && role != "system" && role != "developer" && role != "assistant") {
                return invalid(where + ": role must be user, system, developer or assistant");
            }
            auto content = chat_content(item.value("content", json("")), where);
            if (!content) return content.err();
            json msg{{"role", role}, {"content", std::move(*content)}};
            if (role == "assistant") take_reasoning(msg);
            messages.push_back(std::move(msg));
        } else if (type == "function_call") {
            for (const char * key : {"call_id", "name"}) {
                if (!item.contains(key) || !item[key].is_string()) return invalid(where + ": function_call needs " + key);
            }
            std::string args = item.contains("arguments") && item["arguments"].is_string()
                                   ? item["arguments"].get<std::string>() : "{}";
            json & msg = assistant();
            take_reasoning(msg);
            msg["tool_calls"].push_back(json{{"id", item["call_id"]}, {"type", "function"},
                                             {"function", {{"name", item["name"]}, {"arguments", args}}}});
        } else if (type == "function_call_output") {
            if (!item.contains("call_id") || !item["call_id"].is_string()) {
                return invalid(where + ": function_call_output needs call_id");
            }
            auto output = chat_content(item.value("output", json("")), where + ".output");
            if (!output) return output.err();
            messages.push_back(json{{"role", "tool"}, {"tool_call_id", item["call_id"]}, {"content", std::move(*output)}});
        } else if (type == "reasoning") {
            pending_reasoning += reasoning_text(item);
        } else if (type == "item_reference") {
            return invalid(where + ": item references need stored responses, which lokal does not keep");
        } else if (type.empty()) {
            return invalid(where + ": input item missing required 'type' field");
        } else {
            return invalid(where + ": unknown input item type: \"" + type + "\"");
        }
        return {};
    }
};

// Responses tools ({type, name, description, parameters}) → Chat Completions'.
result<json> chat_tools(const json & tools) {
    if (!tools.is_array()) return invalid("'tools' must be an array");
    json out = json::array();
    for (const auto & t : tools) {
        if (!t.is_object() || t.value("type", "") != "function") {
            return invalid("only function tools are supported (type \"function\")");
        }
        if (!t.contains("name") || !t["name"].is_string()) return invalid("a function tool needs a name");
        json fn{{"name", t["name"]}};
        if (t.contains("description") && t["description"].is_string()) fn["description"] = t["description"];
        fn["parameters"] = t.contains("parameters") && t["parameters"].is_object() ? t["parameters"]
                                                                                    : json{{"type", "object"}};
        out.push_back(json{{"type", "function"}, {"function", std::move(fn)}});
    }
    return out;
}

// tool_choice: "auto" | "none" | "required" | {"type": "function", "name"}.
result<json> chat_tool_choice(const json & choice) {
    if (choice.is_string()) return choice;
    if (choice.is_object() && choice.value("type", "") == "function" && choice.contains("name") &&
        choice["name"].is_string()) {
        return json{{"type", "function"}, {"function", {{"name", choice["name"]}}}};
    }
    return invalid("'tool_choice' must be \"auto\", \"none\", \"required\" or {\"type\": \"function\", \"name\": ...}");
}

// text.format → response_format.
result<json> chat_format(const json & text) {
    if (!text.is_object()) return invalid("'text' must be an object");
    auto it = text.find("format");
    if (it == text.end() || it->is_null()) return json(nullptr);
    std::string type = it->is_object() ? it->value("type", std::string()) : std::string();
    if (type == "text") return json(nullptr);
    if (type == "json_object") return json{{"type", "json_object"}};
    if (type == "json_schema") {
        if (!it->contains("schema") || !(*it)["schema"].is_object()) {
            return invalid("text.format.schema must be a JSON schema object");
        }
        return json{{"type", "json_schema"}, {"json_schema", {{"name", it->value("name", "response")}, {"schema", (*it)["schema"]}}}};
    }
    return invalid("invalid value for 'text.format.type': '" + type + "' (must be \"text\", \"json_object\" or \"json_schema\")");
}

status refuse_state(const json & body) {
    for (const char * key : {"previous_response_id", "conversation"}) {
        if (body.contains(key) && !body[key].is_null()) {
            return invalid(std::string("'") + key + "' is not supported: lokal keeps no responses; send the whole "
                       "conversation in 'input'");
        }
    }
    if (body.value("background", false) == true) return invalid("'background' responses are not supported");
    return {};
}

// include: ["message.output_text.logprobs"] asks for the output text's
// logprobs, top_logprobs (0-20) for that many alternatives each; other
// include values name things lokal does not keep and are ignored.
status add_logprob_options(const json & body, json & chat) {
    auto inc = body.find("include");
    bool wanted = false;
    if (inc != body.end() && !inc->is_null()) {
        if (!inc->is_array()) return invalid("'include' must be an array of strings");
        for (const auto & v : *inc) {
            if (!v.is_string()) return invalid("'include' must be an array of strings");
            wanted = wanted || v.get<std::string>() == "message.output_text.logprobs";
        }
    }
    auto top = body.find("top_logprobs");
    if (top != body.end() && !top->is_null()) {
        if (!top->is_number_integer() || top->get<int64_t>() < 0 || top->get<int64_t>() > 20) {
            return invalid("'top_logprobs' must be an integer between 0 and 20");
        }
        if (wanted) chat["top_logprobs"] = *top;
    }
    if (wanted) chat["logprobs"] = true;
    return {};
}

// What every response object repeats of its request.
json echo_of(const json & body) {
    auto get = [&](const char * key, json fallback) {
        auto it = body.find(key);
        return it == body.end() || it->is_null() ? fallback : *it;
    };
    json text = get("text", json::object());
    if (!text.is_object() || !text.contains("format")) text = json{{"format", {{"type", "text"}}}};
    return json{{"model", get("model", "")},
                {"instructions", get("instructions", nullptr)},
                {"max_output_tokens", get("max_output_tokens", nullptr)},
                {"parallel_tool_calls", get("parallel_tool_calls", true)},
                {"reasoning", get("reasoning", nullptr)},
                {"temperature", get("temperature", 1.0)},
                {"text", text},
                {"tool_choice", get("tool_choice", "auto")},
                {"tools", get("tools", json::array())},
                {"top_logprobs", get("top_logprobs", 0)},
                {"top_p", get("top_p", 1.0)},
                {"truncation", get("truncation", "disabled")},
                {"metadata", get("metadata", json::object())}};
}

}  // namespace

result<responses_plan> responses_request(const json & body) {
    if (!body.is_object()) return invalid("request body must be a JSON object");
    if (auto st = refuse_state(body); !st) return st.err();
    builder b;
    std::optional<std::string> instructions;
    if (auto st = read_string(body, "instructions", instructions); !st) return st.err();
    if (instructions && !instructions->empty()) b.messages.push_back(json{{"role", "system"}, {"content", *instructions}});
    auto input = body.find("input");
    if (input == body.end() || input->is_null()) return invalid("'input' is required");
    if (input->is_string()) {
        b.messages.push_back(json{{"role", "user"}, {"content", *input}});
    } else if (input->is_array()) {
        for (size_t i = 0; i < input->size(); ++i) {
            if (auto st = b.add((*input)[i], "input[" + std::to_string(i) + "]"); !st) return st.err();
        }
        if (!b.pending_reasoning.empty()) b.messages.push_back(json{{"role", "assistant"}, {"content", ""}, {"reasoning", b.pending_reasoning}});
    } else {
        return invalid("'input' must be a string or an array of input items");
    }
    if (b.messages.empty()) return invalid("'input' must not be empty");
    json chat{{"model", body.value("model", json(""))}, {"messages", std::move(b.messages)}};
    // Fields Chat Completions takes as they are, lokal's extras included.
    for (const char * key : {"stream", "temperature", "top_p", "seed", "reasoning", "num_ctx", "options", "keep_alive",
                             "stop", "_debug_render_only"}) {
        if (body.contains(key)) chat[key] = body[key];
    }
    if (body.contains("max_output_tokens") && !body["max_output_tokens"].is_null()) {
        chat["max_tokens"] = body["max_output_tokens"];
    }
    if (body.contains("tools") && !body["tools"].is_null()) {
        auto tools = chat_tools(body["tools"]);
        if (!tools) return tools.err();
        if (!tools->empty()) chat["tools"] = std::move(*tools);
    }
    if (body.contains("tool_choice") && !body["tool_choice"].is_null()) {
        auto choice = chat_tool_choice(body["tool_choice"]);
        if (!choice) return choice.err();
        chat["tool_choice"] = std::move(*choice);
    }
    if (body.contains("text") && !body["text"].is_null()) {
        auto format = chat_format(body["text"]);
        if (!format) return format.err();
        if (!format->is_null()) chat["response_format"] = std::move(*format);
    }
    if (auto st = add_logprob_options(body, chat); !st) return st.err();
    auto p = chat_request(chat);
    if (!p) return p.err();
    return responses_plan{std::move(*p), echo_of(body)};
}

}  // namespace lokal::compat::openai
