// Native results → OpenAI objects: chat completions and their chunks, text
// completions and theirs, usage.
#include "compat/common.h"
#include "compat/openai/openai.h"

namespace lokal::compat::openai {

namespace {

const char * fingerprint = "fp_ollama";  // what Ollama answers; clients only log it

json finish_reason(const json & native, bool tool_calls) {
    std::string reason = native.value("done_reason", std::string());
    if (!native.value("done", false) && reason.empty()) return nullptr;
    if (tool_calls) return "tool_calls";
    if (reason.empty()) return nullptr;
    return reason;
}

// OpenAI's message (or delta): role, content, then reasoning and tool calls
// only when present.
json openai_message(const json & msg, const std::string & role, const json & calls) {
    json out{{"role", role}, {"content", msg.value("content", std::string())}};
    std::string thinking = msg.value("thinking", std::string());
    if (!thinking.empty()) out["reasoning"] = thinking;
    if (!calls.empty()) out["tool_calls"] = calls;
    return out;
}

void add_choice_logprobs(json & choice, const json & native) {
    auto it = native.find("logprobs");
    if (it != native.end() && it->is_array() && !it->empty()) choice["logprobs"] = json{{"content", *it}};
}

// The legacy completions logprobs shape from native per-token logprobs.
json legacy_logprobs(const json & lps, size_t offset) {
    json out{{"tokens", json::array()}, {"token_logprobs", json::array()}, {"top_logprobs", json::array()},
             {"text_offset", json::array()}};
    for (const auto & lp : lps) {
        if (!lp.is_object()) continue;
        std::string token = lp.value("token", std::string());
        out["tokens"].push_back(token);
        out["token_logprobs"].push_back(lp.value("logprob", 0.0));
        json top = json::object();
        if (lp.contains("top_logprobs") && lp["top_logprobs"].is_array()) {
            for (const auto & t : lp["top_logprobs"]) {
                if (t.is_object()) top[t.value("token", std::string())] = t.value("logprob", 0.0);
            }
        }
        out["top_logprobs"].push_back(std::move(top));
        out["text_offset"].push_back(offset);
        offset += token.size();
    }
    return out;
}

}  // namespace

json tool_calls(const json & native_calls) {
    json out = json::array();
    if (!native_calls.is_array()) return out;
    for (const auto & tc : native_calls) {
        if (!tc.is_object()) continue;
        const json fn = tc.value("function", json::object());
        json args = fn.value("arguments", json::object());
        std::string id = tc.value("id", std::string());
        if (id.empty()) id = random_hex_id("call_");
        out.push_back(json{{"id", id},
                           {"index", fn.value("index", 0)},
                           {"type", "function"},
                           {"function", json{{"name", fn.value("name", std::string())}, {"arguments", dump(args)}}}});
    }
    return out;
}

json usage(const std::vector<json> & finals, size_t prompts) {
    int64_t prompt = 0, completion = 0;
    // Every choice of one prompt read the same prompt: count it once.
    size_t per_prompt = prompts ? std::max<size_t>(1, finals.size() / prompts) : 1;
    for (size_t i = 0; i < finals.size(); ++i) {
        if (i % per_prompt == 0) prompt += reply_count(finals[i], "prompt_eval_count");
        completion += reply_count(finals[i], "eval_count");
    }
    return json{{"prompt_tokens", prompt}, {"completion_tokens", completion}, {"total_tokens", prompt + completion}};
}

json usage_chunk(const stamp & s, const char * object, const json & u) {
    json c{{"id", s.id}, {"object", object}, {"created", s.created}};
    if (std::string_view(object) == "text_completion") {
        c["choices"] = json::array();
        c["model"] = s.model;
        c["system_fingerprint"] = fingerprint;
    } else {
        c["model"] = s.model;
        c["system_fingerprint"] = fingerprint;
        c["choices"] = json::array();
    }
    c["usage"] = u;
    return c;
}

json chat_completion(const stamp & s, const std::vector<json> & finals) {
    json choices = json::array();
    for (size_t i = 0; i < finals.size(); ++i) {
        const json & msg = reply_message(finals[i]);
        json calls = tool_calls(msg.value("tool_calls", json::array()));
        json choice{{"index", i},
                    {"message", openai_message(msg, msg.value("role", std::string("assistant")), calls)},
                    {"finish_reason", finish_reason(finals[i], !calls.empty())}};
        add_choice_logprobs(choice, finals[i]);
        choices.push_back(std::move(choice));
    }
    json out{{"id", s.id},
             {"object", "chat.completion"},
             {"created", s.created},
             {"model", s.model},
             {"system_fingerprint", fingerprint},
             {"choices", std::move(choices)},
             {"usage", usage(finals)}};
    if (!finals.empty() && finals[0].contains("_debug_info")) out["_debug_info"] = finals[0]["_debug_info"];
    return out;
}

json chat_chunk(const stamp & s, int index, const json & native, bool & tool_call_sent) {
    const json & msg = reply_message(native);
    json calls = tool_calls(msg.value("tool_calls", json::array()));
    json choice{{"index", index},
                {"delta", openai_message(msg, "assistant", calls)},
                {"finish_reason", finish_reason(native, tool_call_sent || !calls.empty())}};
    if (!calls.empty()) tool_call_sent = true;
    add_choice_logprobs(choice, native);
    return json{{"id", s.id},
                {"object", "chat.completion.chunk"},
                {"created", s.created},
                {"model", s.model},
                {"system_fingerprint", fingerprint},
                {"choices", json::array({std::move(choice)})}};
}

json completion(const stamp & s, const std::vector<json> & finals, const std::string & echo, size_t prompts) {
    json choices = json::array();
    for (size_t i = 0; i < finals.size(); ++i) {
        json choice{{"text", echo + finals[i].value("response", std::string())},
                    {"index", i},
                    {"finish_reason", finish_reason(finals[i], false)}};
        if (auto it = finals[i].find("logprobs"); it != finals[i].end() && it->is_array() && !it->empty()) {
            choice["logprobs"] = legacy_logprobs(*it, echo.size());
        }
        choices.push_back(std::move(choice));
    }
    return json{{"id", s.id},
                {"object", "text_completion"},
                {"created", s.created},
                {"model", s.model},
                {"system_fingerprint", fingerprint},
                {"choices", std::move(choices)},
                {"usage", usage(finals, prompts)}};
}

json completion_chunk(const stamp & s, int index, const std::string & text, const json & native) {
    json choice{{"text", text}, {"index", index}, {"finish_reason", finish_reason(native, false)}};
    if (auto it = native.find("logprobs"); it != native.end() && it->is_array() && !it->empty()) {
        choice["logprobs"] = legacy_logprobs(*it, 0);
    }
    // Ollama's CompletionChunk field order.
    return json{{"id", s.id},
                {"object", "text_completion"},
                {"created", s.created},
                {"choices", json::array({std::move(choice)})},
                {"model", s.model},
                {"system_fingerprint", fingerprint}};
}

}  // namespace lokal::compat::openai
