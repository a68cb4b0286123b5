// Native chat results → Responses API objects and events.
#include "compat/common.h"
#include "compat/openai/responses_api.h"

namespace lokal::compat::openai {

namespace {

json usage_of(const json & native) {
    int64_t in = reply_count(native, "prompt_eval_count"), out = reply_count(native, "eval_count");
    return json{{"input_tokens", in},
                {"input_tokens_details", {{"cached_tokens", 0}}},
                {"output_tokens", out},
                {"output_tokens_details", {{"reasoning_tokens", 0}}},
                {"total_tokens", in + out}};
}

// OpenAI's {"token", "bytes", "logprob"} from Ollama's (whose bytes are
// left out for an empty token).
json token_logprob(const json & t) {
    std::string token = t.is_object() ? t.value("token", std::string()) : std::string();
    json bytes = json::array();
    for (unsigned char c : token) bytes.push_back(static_cast<int>(c));
    return json{{"token", token}, {"bytes", std::move(bytes)},
                {"logprob", t.is_object() ? t.value("logprob", 0.0) : 0.0}};
}

// A native object's "logprobs" in the Responses shape: every entry with
// its top_logprobs (empty unless asked for).
json output_logprobs(const json & native) {
    json out = json::array();
    auto it = native.find("logprobs");
    if (it == native.end() || !it->is_array()) return out;
    for (const auto & lp : *it) {
        json e = token_logprob(lp);
        json top = json::array();
        if (lp.is_object() && lp.contains("top_logprobs") && lp["top_logprobs"].is_array()) {
            for (const auto & t : lp["top_logprobs"]) top.push_back(token_logprob(t));
        }
        e["top_logprobs"] = std::move(top);
        out.push_back(std::move(e));
    }
    return out;
}

json text_part(const std::string & text, json logprobs = json::array()) {
    return json{{"type", "output_text"}, {"annotations", json::array()}, {"logprobs", std::move(logprobs)}, {"text", text}};
}

json message_item(const std::string & id, const char * status, json content) {
    return json{{"id", id}, {"type", "message"}, {"status", status}, {"content", std::move(content)}, {"role", "assistant"}};
}

json reasoning_item(const std::string & id, const std::string & text) {
    json summary = json::array();
    if (!text.empty()) summary.push_back(json{{"type", "summary_text"}, {"text", text}});
    return json{{"id", id}, {"type", "reasoning"}, {"summary", std::move(summary)}};
}

json call_item(const json & call, const char * status, bool with_arguments) {
    const json & fn = call["function"];
    return json{{"id", random_hex_id("fc_")},
                {"type", "function_call"},
                {"status", status},
                {"arguments", with_arguments ? fn["arguments"] : json("")},
                {"call_id", call["id"]},
                {"name", fn["name"]}};
}

// "length" ends a response as incomplete, the way OpenAI reports a cut.
bool cut_short(const json & native) { return native.value("done_reason", std::string()) == "length"; }

json base_object(const json & echo, const std::string & id, int64_t created, const char * status) {
    json o{{"id", id}, {"object", "response"}, {"created_at", created}, {"status", status},
           {"background", false}, {"error", nullptr}, {"incomplete_details", nullptr}};
    for (const char * key : {"instructions", "max_output_tokens"}) o[key] = echo[key];
    o["max_tool_calls"] = nullptr;
    o["model"] = echo["model"];
    o["output"] = json::array();
    for (const char * key : {"parallel_tool_calls"}) o[key] = echo[key];
    o["previous_response_id"] = nullptr;
    o["reasoning"] = echo["reasoning"];
    o["service_tier"] = "default";
    o["store"] = false;
    for (const char * key : {"temperature", "text", "tool_choice", "tools"}) o[key] = echo[key];
    o["top_logprobs"] = echo["top_logprobs"];
    o["top_p"] = echo["top_p"];
    o["truncation"] = echo["truncation"];
    o["usage"] = nullptr;
    o["metadata"] = echo["metadata"];
    return o;
}

void set_end_state(json & o, const json & native) {
    if (cut_short(native)) {
        o["status"] = "incomplete";
        o["incomplete_details"] = json{{"reason", "max_output_tokens"}};
    }
}

}  // namespace

json response_object(const json & echo, const std::string & id, int64_t created, const json & native) {
    json o = base_object(echo, id, created, "completed");
    const json & msg = reply_message(native);
    std::string thinking = msg.value("thinking", std::string());
    std::string content = msg.value("content", std::string());
    json calls = tool_calls(msg.value("tool_calls", json::array()));
    if (!thinking.empty()) o["output"].push_back(reasoning_item(random_hex_id("rs_"), thinking));
    if (!content.empty() || calls.empty()) {
        o["output"].push_back(message_item(random_hex_id("msg_"), "completed",
                                           json::array({text_part(content, output_logprobs(native))})));
    }
    for (const auto & c : calls) o["output"].push_back(call_item(c, "completed", true));
    set_end_state(o, native);
    o["usage"] = usage_of(native);
    return o;
}

response_stream::response_stream(json echo, std::string id, int64_t created)
    : echo_(std::move(echo)), id_(std::move(id)), created_(created) {}

std::string response_stream::event(const char * type, json data) {
    json out{{"type", type}, {"sequence_number", seq_++}};
    for (auto & [k, v] : data.items()) out[k] = std::move(v);
    return sse_event(type, out);
}

json response_stream::shell(const char * status, json output, json usage) const {
    json o = base_object(echo_, id_, created_, status);
    o["output"] = std::move(output);
    o["usage"] = std::move(usage);
    return o;
}

std::string response_stream::start() {
    // One statement per event: each takes the next sequence_number.
    std::string out = event("response.created", {{"response", shell("in_progress", json::array(), nullptr)}});
    out += event("response.in_progress", {{"response", shell("in_progress", json::array(), nullptr)}});
    return out;
}

std::string response_stream::open_reasoning() {
    if (reasoning_open_) return {};
    reasoning_open_ = true;
    reasoning_id_ = random_hex_id("rs_");
    reasoning_index_ = next_index_++;
    std::string out = event("response.output_item.added",
                            {{"output_index", reasoning_index_}, {"item", reasoning_item(reasoning_id_, "")}});
    out += event("response.reasoning_summary_part.added",
                 {{"item_id", reasoning_id_}, {"output_index", reasoning_index_}, {"summary_index", 0},
                  {"part", {{"type", "summary_text"}, {"text", ""}}}});
    return out;
}

std::string response_stream::close_reasoning() {
    if (!reasoning_open_) return {};
    reasoning_open_ = false;
    json item = reasoning_item(reasoning_id_, reasoning_);
    output_.push_back(item);
    json where{{"item_id", reasoning_id_}, {"output_index", reasoning_index_}, {"summary_index", 0}};
    json text_done = where, part_done = where;
    text_done["text"] = reasoning_;
    part_done["part"] = json{{"type", "summary_text"}, {"text", reasoning_}};
    std::string out = event("response.reasoning_summary_text.done", text_done);
    out += event("response.reasoning_summary_part.done", part_done);
    out += event("response.output_item.done", {{"output_index", reasoning_index_}, {"item", item}});
    return out;
}

std::string response_stream::open_message() {
    if (message_open_ || !message_id_.empty()) return {};
    message_open_ = true;
    message_id_ = random_hex_id("msg_");
    message_index_ = next_index_++;
    std::string out = event("response.output_item.added", {{"output_index", message_index_},
                                                           {"item", message_item(message_id_, "in_progress", json::array())}});
    out += event("response.content_part.added", {{"item_id", message_id_}, {"output_index", message_index_},
                                                 {"content_index", 0}, {"part", text_part("")}});
    return out;
}

std::string response_stream::close_message() {
    if (!message_open_) return {};
    message_open_ = false;
    json item = message_item(message_id_, "completed", json::array({text_part(text_, logprobs_)}));
    output_.push_back(item);
    json where{{"item_id", message_id_}, {"output_index", message_index_}, {"content_index", 0}};
    json text_done = where, part_done = where;
    text_done["text"] = text_;
    text_done["logprobs"] = logprobs_;
    part_done["part"] = text_part(text_, logprobs_);
    std::string out = event("response.output_text.done", text_done);
    out += event("response.content_part.done", part_done);
    out += event("response.output_item.done", {{"output_index", message_index_}, {"item", item}});
    return out;
}

// Native tool calls arrive complete: each is one item, its arguments one delta.
std::string response_stream::add_calls(const json & native_calls) {
    std::string out = close_reasoning();
    out += close_message();
    for (const auto & c : tool_calls(native_calls)) {
        json added = call_item(c, "in_progress", false);
        json done = added;
        done["status"] = "completed";
        done["arguments"] = c["function"]["arguments"];
        int index = next_index_++;
        json where{{"item_id", added["id"]}, {"output_index", index}};
        json delta = where, args_done = where;
        delta["delta"] = done["arguments"];
        args_done["arguments"] = done["arguments"];
        out += event("response.output_item.added", {{"output_index", index}, {"item", added}});
        out += event("response.function_call_arguments.delta", delta);
        out += event("response.function_call_arguments.done", args_done);
        out += event("response.output_item.done", {{"output_index", index}, {"item", done}});
        output_.push_back(std::move(done));
    }
    return out;
}

std::string response_stream::finish(const json & native) {
    finished_ = true;
    // A response always carries a message unless it called tools.
    bool called = false;
    for (const auto & item : output_) called = called || item["type"] == "function_call";
    std::string out = close_reasoning();
    if (!called) out += open_message();
    out += close_message();
    json o = shell("completed", output_, usage_of(native));
    set_end_state(o, native);
    std::string type = "response." + o["status"].get<std::string>();
    out += event(type.c_str(), {{"response", o}});
    return out;
}

std::string response_stream::add(const json & native) {
    if (finished_) return {};
    if (native.contains("error")) {
        finished_ = true;
        std::string msg = native["error"].is_string() ? native["error"].get<std::string>() : dump(native["error"]);
        return event("error", {{"code", nullptr}, {"message", msg}, {"param", nullptr}});
    }
    const json & msg = reply_message(native);
    std::string out;
    std::string thinking = msg.value("thinking", std::string());
    if (!thinking.empty()) {
        out += open_reasoning();
        reasoning_ += thinking;
        out += event("response.reasoning_summary_text.delta", {{"item_id", reasoning_id_}, {"output_index", reasoning_index_},
                                                               {"summary_index", 0}, {"delta", thinking}});
    }
    std::string content = msg.value("content", std::string());
    // The tokens of a chunk that was thinking only are not the text's.
    json lps = thinking.empty() || !content.empty() ? output_logprobs(native) : json::array();
    for (const auto & lp : lps) logprobs_.push_back(lp);
    if (!content.empty()) {
        out += close_reasoning();
        out += open_message();
        text_ += content;
        out += event("response.output_text.delta", {{"item_id", message_id_}, {"output_index", message_index_},
                                                    {"content_index", 0}, {"delta", content}, {"logprobs", std::move(lps)}});
    }
    if (msg.contains("tool_calls") && msg["tool_calls"].is_array() && !msg["tool_calls"].empty()) {
        out += add_calls(msg["tool_calls"]);
    }
    if (native.value("done", false)) out += finish(native);
    return out;
}

}  // namespace lokal::compat::openai
