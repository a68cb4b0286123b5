// Native NDJSON objects → Anthropic's named SSE events.
#include "compat/anthropic/anthropic.h"
#include "compat/common.h"

namespace lokal::compat::anthropic {

std::string stream_converter::start_block(const json & block) {
    std::string out = stop_block();
    open_ = block.value("type", std::string());
    out += sse_event("content_block_start",
                     json{{"type", "content_block_start"}, {"index", index_}, {"content_block", block}});
    return out;
}

std::string stream_converter::stop_block() {
    if (open_.empty()) return {};
    std::string out = sse_event("content_block_stop", json{{"type", "content_block_stop"}, {"index", index_}});
    open_.clear();
    ++index_;
    return out;
}

std::string stream_converter::on_native(const json & native) {
    std::string out;
    if (auto err = native.find("error"); err != native.end()) {
        std::string msg = err->is_string() ? err->get<std::string>() : dump(*err);
        return sse_event("error", anthropic_error(500, msg));
    }
    if (!started_) {
        started_ = true;
        json msg{{"id", id_},
                 {"type", "message"},
                 {"role", "assistant"},
                 {"model", model_},
                 {"content", json::array()},
                 {"stop_reason", nullptr},
                 {"stop_sequence", nullptr},
                 {"usage", json{{"input_tokens", native.value("prompt_eval_count", 0)}, {"output_tokens", 0}}}};
        out += sse_event("message_start", json{{"type", "message_start"}, {"message", std::move(msg)}});
        out += sse_event("ping", json{{"type", "ping"}});
    }
    const json msg = native.value("message", json::object());
    auto delta = [&](const char * type, const char * key, const std::string & text) {
        out += sse_event("content_block_delta", json{{"type", "content_block_delta"},
                                                     {"index", index_},
                                                     {"delta", json{{"type", type}, {key, text}}}});
    };
    std::string thinking = msg.value("thinking", std::string());
    if (!thinking.empty()) {
        if (open_ != "thinking") out += start_block(json{{"type", "thinking"}, {"thinking", ""}});
        delta("thinking_delta", "thinking", thinking);
    }
    std::string text = msg.value("content", std::string());
    if (!text.empty()) {
        if (open_ != "text") out += start_block(json{{"type", "text"}, {"text", ""}});
        delta("text_delta", "text", text);
    }
    for (const auto & tc : msg.value("tool_calls", json::array())) {
        const json fn = tc.value("function", json::object());
        std::string call_id = tc.value("id", std::string());
        if (call_id.empty()) call_id = random_hex_id("toolu_");
        out += start_block(json{{"type", "tool_use"},
                                {"id", call_id},
                                {"name", fn.value("name", std::string())},
                                {"input", json::object()}});
        delta("input_json_delta", "partial_json", dump(fn.value("arguments", json::object())));
        out += stop_block();
        tool_used_ = true;
    }
    if (native.value("done", false)) {
        out += stop_block();
        std::string reason = stop_reason(native.value("done_reason", std::string()), tool_used_);
        out += sse_event("message_delta",
                         json{{"type", "message_delta"},
                              {"delta", json{{"stop_reason", reason}, {"stop_sequence", nullptr}}},
                              {"usage", json{{"input_tokens", native.value("prompt_eval_count", 0)},
                                             {"output_tokens", native.value("eval_count", 0)}}}});
        out += sse_event("message_stop", json{{"type", "message_stop"}});
    }
    return out;
}

}  // namespace lokal::compat::anthropic
