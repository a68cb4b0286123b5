// Anthropic translation goldens: Messages requests → native /api/chat,
// native results → messages and the named SSE event stream, error bodies.
#include "compat/anthropic/anthropic.h"
#include "compat/common.h"
#include "test_data.h"

#include <gtest/gtest.h>

using namespace lokal;
namespace an = lokal::compat::anthropic;

namespace {

using test::J;

std::string anthropic_native_of(const char * request) {
    auto p = an::messages_request(J(request));
    EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.err().message);
    return p.ok() ? compat::dump(p->native) : "";
}

std::string request_error(const char * request) {
    auto p = an::messages_request(J(request));
    EXPECT_FALSE(p.ok());
    return p.ok() ? "" : p.err().message;
}

}  // namespace

TEST(compat_anthropic, request_minimal) {
    EXPECT_EQ(anthropic_native_of(R"({"model":"m","max_tokens":8,"messages":[{"role":"user","content":"hi"}]})"),
              R"({"model":"m","messages":[{"role":"user","content":"hi"}],"options":{"num_predict":8},"stream":false})");
}

TEST(compat_anthropic, request_full) {
    EXPECT_EQ(
        anthropic_native_of(R"({"model":"m","max_tokens":8,"stream":true,"temperature":0.5,"top_p":0.9,"top_k":5,
        "stop_sequences":["END"],"system":[{"type":"text","text":"sys1"},{"type":"text","text":"sys2"}],
        "thinking":{"type":"enabled","budget_tokens":1024},
        "tools":[{"name":"get","description":"d","input_schema":{"type":"object"}}],
        "tool_choice":{"type":"tool","name":"get"},
        "messages":[
          {"role":"user","content":[{"type":"text","text":"look"},{"type":"image","source":{"type":"base64","media_type":"image/png","data":"aGk="}}]},
          {"role":"assistant","content":[{"type":"thinking","thinking":"hm","signature":"s"},{"type":"text","text":"calling"},
                                         {"type":"tool_use","id":"toolu_1","name":"get","input":{"q":1}}]},
          {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":[{"type":"text","text":"42"}]},{"type":"text","text":"thanks"}]}]})"),
        R"({"model":"m","messages":[{"role":"system","content":"sys1sys2"},)"
        R"({"role":"user","content":"look","images":["aGk="]},)"
        R"({"role":"assistant","content":"calling","thinking":"hm","tool_calls":[{"id":"toolu_1","function":{"name":"get","arguments":{"q":1}}}]},)"
        R"({"role":"tool","content":"42","tool_name":"get","tool_call_id":"toolu_1"},)"
        R"({"role":"user","content":"thanks"}],)"
        R"("options":{"temperature":0.5,"top_p":0.9,"top_k":5,"stop":["END"],"num_predict":8},)"
        R"("tools":[{"type":"function","function":{"name":"get","description":"d","parameters":{"type":"object"}}}],)"
        R"("tool_choice":{"type":"function","function":{"name":"get"}},"think":true,"stream":true})");
}

TEST(compat_anthropic, request_tool_choice_and_extras) {
    auto any = J(anthropic_native_of(R"({"model":"m","max_tokens":1,"messages":[],"tool_choice":{"type":"any"},"num_ctx":4096,
        "thinking":{"type":"disabled"}})"));
    EXPECT_EQ(any["tool_choice"], "required");
    EXPECT_EQ(any["options"]["num_ctx"], 4096);
    EXPECT_EQ(any["think"], false);
    auto effort = J(anthropic_native_of(R"({"model":"m","max_tokens":1,"messages":[],"output_config":{"effort":"max"}})"));
    EXPECT_EQ(effort["think"], "high");
    auto count = an::count_tokens_request(J(R"({"model":"m","messages":[{"role":"user","content":"hi"}]})"));
    ASSERT_TRUE(count.ok());
    EXPECT_EQ(compat::dump(count->native),
              R"({"model":"m","messages":[{"role":"user","content":"hi"}],"options":{},"stream":false,"_debug_render_only":true})");
    EXPECT_EQ(compat::dump(an::tokenize_request("m", J(R"({"_debug_info":{"rendered_template":"<s>hi"}})"))),
              R"({"model":"m","content":"<s>hi","add_special":true,"parse_special":true})");
}

TEST(compat_anthropic, request_errors) {
    EXPECT_EQ(request_error(R"({"model":"m","messages":[]})"), "max_tokens: Field required");
    EXPECT_EQ(request_error(R"({"max_tokens":1,"messages":[]})"), "model: Field required");
    EXPECT_EQ(request_error(R"({"model":"m","max_tokens":1})"), "messages: Field required");
    EXPECT_EQ(request_error(R"({"model":"m","max_tokens":1,"messages":[{"role":"system","content":"x"}]})"),
              "messages.0.role: Input should be 'user' or 'assistant'");
    EXPECT_EQ(request_error(R"({"model":"m","max_tokens":1,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"url","url":"https://x"}}]}]})"),
              "invalid image source type: url. Only base64 images are supported.");
    EXPECT_EQ(request_error(R"({"model":"m","max_tokens":1,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64","data":"!!"}}]}]})"),
              "invalid base64 image data");
    EXPECT_EQ(request_error(R"({"model":"m","max_tokens":1,"messages":[{"role":"assistant","content":[{"type":"tool_use","name":"f"}]}]})"),
              "tool_use block missing required 'id' field");
    EXPECT_EQ(request_error(R"({"model":"m","max_tokens":0,"messages":[]})"),
              "max_tokens: must be greater than or equal to 1");
}

TEST(compat_anthropic, message_from_native) {
    json fin = J(R"({"model":"m","message":{"role":"assistant","content":"Paris","thinking":"easy",
        "tool_calls":[{"id":"toolu_9","function":{"name":"f","arguments":{"a":1}}}]},
        "done_reason":"stop","done":true,"prompt_eval_count":9,"eval_count":3})");
    EXPECT_EQ(compat::dump(an::message("msg_1", "m", fin)),
              R"({"id":"msg_1","type":"message","role":"assistant","model":"m","content":[)"
              R"({"type":"thinking","thinking":"easy"},{"type":"text","text":"Paris"},)"
              R"({"type":"tool_use","id":"toolu_9","name":"f","input":{"a":1}}],)"
              R"("stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":9,"output_tokens":3}})");
    EXPECT_EQ(an::stop_reason("length", false), "max_tokens");
    EXPECT_EQ(an::stop_reason("stop", false), "end_turn");
}

TEST(compat_anthropic, stream_events) {
    an::stream_converter c("msg_1", "m");
    std::string out;
    out += c.on_native(J(R"({"message":{"role":"assistant","content":"","thinking":"a"},"done":false})"));
    out += c.on_native(J(R"({"message":{"role":"assistant","content":"Hi"},"done":false})"));
    out += c.on_native(J(R"({"message":{"role":"assistant","content":"!"},"done":false})"));
    out += c.on_native(J(R"({"message":{"role":"assistant","content":"","tool_calls":[{"id":"toolu_2","function":{"name":"f","arguments":{"x":"y"}}}]},"done":false})"));
    out += c.on_native(J(R"({"message":{"role":"assistant","content":""},"done_reason":"stop","done":true,"prompt_eval_count":4,"eval_count":5})"));
    EXPECT_EQ(out,
              "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\","
              "\"role\":\"assistant\",\"model\":\"m\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,"
              "\"usage\":{\"input_tokens\":0,\"output_tokens\":0}}}\n\n"
              "event: ping\ndata: {\"type\":\"ping\"}\n\n"
              "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\"}}\n\n"
              "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"a\"}}\n\n"
              "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
              "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
              "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\n\n"
              "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"text_delta\",\"text\":\"!\"}}\n\n"
              "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":1}\n\n"
              "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":2,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_2\",\"name\":\"f\",\"input\":{}}}\n\n"
              "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":2,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"x\\\":\\\"y\\\"}\"}}\n\n"
              "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":2}\n\n"
              "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\",\"stop_sequence\":null},"
              "\"usage\":{\"input_tokens\":4,\"output_tokens\":5}}\n\n"
              "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
}

TEST(compat_anthropic, stream_error_and_error_bodies) {
    an::stream_converter c("msg_1", "m");
    EXPECT_EQ(c.on_native(J(R"({"error":"model crashed"})")),
              "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"model crashed\"}}\n\n");
    EXPECT_EQ(compat::dump(compat::anthropic_error(404, "model 'x' not found")),
              R"({"type":"error","error":{"type":"not_found_error","message":"model 'x' not found"}})");
    EXPECT_EQ(compat::anthropic_error_type(400), "invalid_request_error");
    EXPECT_EQ(compat::anthropic_error_type(401), "authentication_error");
    EXPECT_EQ(compat::anthropic_error_type(403), "permission_error");
    EXPECT_EQ(compat::anthropic_error_type(413), "request_too_large");
    EXPECT_EQ(compat::anthropic_error_type(429), "rate_limit_error");
    EXPECT_EQ(compat::anthropic_error_type(503), "overloaded_error");
    EXPECT_EQ(compat::anthropic_error_type(500), "api_error");
}
