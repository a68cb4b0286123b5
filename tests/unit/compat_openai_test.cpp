// OpenAI translation goldens: OpenAI request JSON in → native JSON out,
// native results in → OpenAI objects out, and the error shapes.
#include "compat/common.h"
#include "compat/openai/openai.h"
#include "test_data.h"

#include <gtest/gtest.h>

using namespace lokal;
namespace oa = lokal::compat::openai;

namespace {

using test::J;

std::string openai_native_of(const char * request) {
    auto p = oa::chat_request(J(request));
    EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.err().message);
    return p.ok() ? compat::dump(p->natives.at(0)) : "";
}

std::string chat_error(const char * request) {
    auto p = oa::chat_request(J(request));
    EXPECT_FALSE(p.ok());
    return p.ok() ? "" : p.err().message;
}

const oa::stamp S{"chatcmpl-42", 1700000000, "m"};

}  // namespace

TEST(compat_openai, chat_request_minimal_gets_ollama_defaults) {
    EXPECT_EQ(openai_native_of(R"({"model":"m","messages":[{"role":"user","content":"hi"}]})"),
              R"({"model":"m","messages":[{"role":"user","content":"hi"}],"options":{"temperature":1.0,"top_p":1.0},)"
              R"("stream":false})");
}

TEST(compat_openai, chat_request_sampling_fields) {
    EXPECT_EQ(openai_native_of(R"({"model":"m","messages":[{"role":"user","content":"hi"}],"stream":true,
        "max_tokens":5,"max_completion_tokens":7,"seed":3,"stop":"x","temperature":0.2,"top_p":0.5,
        "frequency_penalty":0.1,"presence_penalty":0.3,"num_ctx":2048,"options":{"top_k":7},"keep_alive":"1m"})"),
              R"({"model":"m","messages":[{"role":"user","content":"hi"}],"options":{"top_k":7,"num_ctx":2048,)"
              R"("stop":["x"],"num_predict":7,"seed":3,"temperature":0.2,"top_p":0.5,"frequency_penalty":0.1,)"
              R"("presence_penalty":0.3},"keep_alive":"1m","stream":true})");
}

TEST(compat_openai, chat_request_formats_reasoning_logprobs_tools) {
    EXPECT_EQ(openai_native_of(R"({"model":"m","messages":[{"role":"user","content":"hi"}],
        "response_format":{"type":"json_object"},"reasoning_effort":"low","logprobs":true,"top_logprobs":2,
        "tools":[{"type":"function","function":{"name":"f","parameters":{}}}],"tool_choice":"required"})"),
              R"({"model":"m","messages":[{"role":"user","content":"hi"}],"options":{"temperature":1.0,"top_p":1.0},)"
              R"("format":"json","think":"low","tools":[{"type":"function","function":{"name":"f","parameters":{}}}],)"
              R"("tool_choice":"required","logprobs":true,"top_logprobs":2,"stream":false})");
    auto schema = J(openai_native_of(R"({"model":"m","messages":[{"role":"user","content":"hi"}],
        "response_format":{"type":"json_schema","json_schema":{"name":"x","schema":{"type":"object"}}},
        "reasoning":{"effort":"none"}})"));
    EXPECT_EQ(schema["format"], J(R"({"type":"object"})"));
    EXPECT_EQ(schema["think"], false);
}

TEST(compat_openai, chat_request_messages) {
    // developer → system; content parts joined; a data-URL image; assistant
    // tool calls with string arguments; a tool message named by its call id.
    EXPECT_EQ(
        openai_native_of(R"({"model":"m","messages":[
        {"role":"developer","content":"be brief"},
        {"role":"user","content":[{"type":"text","text":"a"},{"type":"image_url","image_url":{"url":"data:image/png;base64,aGk="}},{"type":"text","text":"b"}]},
        {"role":"assistant","content":null,"reasoning":"hmm","tool_calls":[{"id":"call_1","type":"function","function":{"name":"get","arguments":"{\"x\":1}"}}]},
        {"role":"tool","tool_call_id":"call_1","content":"42"}]})"),
        R"({"model":"m","messages":[{"role":"system","content":"be brief"},)"
        R"({"role":"user","content":"a\nb","images":["aGk="]},)"
        R"({"role":"assistant","content":"","thinking":"hmm","tool_calls":[{"id":"call_1","function":{"name":"get","arguments":{"x":1}}}]},)"
        R"({"role":"tool","content":"42","tool_name":"get","tool_call_id":"call_1"}],)"
        R"("options":{"temperature":1.0,"top_p":1.0},"stream":false})");
}

TEST(compat_openai, chat_request_n_fans_out_with_seeds) {
    auto p = oa::chat_request(J(R"({"model":"m","messages":[{"role":"user","content":"hi"}],"n":3,"seed":10})"));
    ASSERT_TRUE(p.ok());
    ASSERT_EQ(p->natives.size(), 3u);
    for (int i = 0; i < 3; ++i) EXPECT_EQ(p->natives[i]["options"]["seed"], 10 + i);
    auto unseeded = oa::chat_request(J(R"({"model":"m","messages":[{"role":"user","content":"hi"}],"n":2})"));
    ASSERT_TRUE(unseeded.ok());
    EXPECT_FALSE(unseeded->natives[1]["options"].contains("seed"));
}

TEST(compat_openai, chat_request_errors) {
    EXPECT_EQ(chat_error(R"({"model":"m","messages":[]})"), "[] is too short - 'messages'");
    EXPECT_EQ(chat_error(R"({"model":"m"})"), "[] is too short - 'messages'");
    EXPECT_EQ(chat_error(R"({"model":"m","messages":[{"role":"user","content":1}]})"),
              "invalid message content type: number");
    EXPECT_EQ(chat_error(R"({"model":"m","messages":[{"content":"x"}]})"), "messages[0]: role is required");
    EXPECT_EQ(chat_error(R"({"model":"m","messages":[{"role":"user","content":"x"}],"n":17})"),
              "invalid value for 'n': must be between 1 and 16");
    EXPECT_EQ(chat_error(R"({"model":"m","messages":[{"role":"user","content":"x"}],"stop":[1]})"),
              "invalid value for 'stop': expected a string or an array of strings");
    EXPECT_EQ(chat_error(R"({"model":"m","messages":[{"role":"user","content":"x"}],"reasoning_effort":"max"})"),
              R"(invalid reasoning value: 'max' (must be "high", "medium", "low", or "none"))");
    EXPECT_EQ(chat_error(R"({"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":"http://x/a.png"}]}]})"),
              "image URLs are not currently supported, please use base64 encoded data instead");
    EXPECT_EQ(chat_error(R"({"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/gif;base64,aGk="}}]}]})"),
              "invalid image input");
    EXPECT_EQ(chat_error(R"({"model":"m","messages":[{"role":"assistant","tool_calls":[{"function":{"name":"f","arguments":"{"}}]}]})"),
              "invalid tool call arguments");
    EXPECT_EQ(chat_error(R"({"model":"m","messages":[{"role":"user","content":"x"}],"temperature":"hot"})"),
              "invalid value for 'temperature': expected a number");
}

TEST(compat_openai, chat_completion_from_native) {
    json fin = J(R"({"model":"m","created_at":"2024-01-01T00:00:00Z","message":{"role":"assistant","content":"Hi","thinking":"t"},
        "done_reason":"stop","done":true,"prompt_eval_count":5,"eval_count":2})");
    EXPECT_EQ(compat::dump(oa::chat_completion(S, {fin})),
              R"({"id":"chatcmpl-42","object":"chat.completion","created":1700000000,"model":"m","system_fingerprint":"fp_ollama",)"
              R"("choices":[{"index":0,"message":{"role":"assistant","content":"Hi","reasoning":"t"},"finish_reason":"stop"}],)"
              R"("usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}})");
    // two choices of one prompt: the prompt counts once
    auto two = oa::chat_completion(S, {fin, fin});
    EXPECT_EQ(two["usage"], J(R"({"prompt_tokens":5,"completion_tokens":4,"total_tokens":9})"));
    EXPECT_EQ(two["choices"][1]["index"], 1);
}

TEST(compat_openai, chat_completion_tool_calls_and_logprobs) {
    json fin = J(R"({"message":{"role":"assistant","content":"","tool_calls":[{"id":"call_x","function":{"index":0,"name":"f","arguments":{"a":"b"}}}]},
        "logprobs":[{"token":"x","logprob":-0.5,"bytes":[120],"top_logprobs":[]}],"done_reason":"stop","done":true})");
    auto c = oa::chat_completion(S, {fin});
    EXPECT_EQ(compat::dump(c["choices"][0]),
              R"({"index":0,"message":{"role":"assistant","content":"","tool_calls":[{"id":"call_x","index":0,"type":"function",)"
              R"("function":{"name":"f","arguments":"{\"a\":\"b\"}"}}]},"finish_reason":"tool_calls",)"
              R"("logprobs":{"content":[{"token":"x","logprob":-0.5,"bytes":[120],"top_logprobs":[]}]}})");
}

TEST(compat_openai, chat_chunks_from_native_stream) {
    bool sent = false;
    EXPECT_EQ(compat::sse_data(oa::chat_chunk(S, 0, J(R"({"message":{"role":"assistant","content":"He"},"done":false})"), sent)),
              "data: {\"id\":\"chatcmpl-42\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"m\","
              "\"system_fingerprint\":\"fp_ollama\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"He\"},"
              "\"finish_reason\":null}]}\n\n");
    auto call = oa::chat_chunk(S, 1, J(R"({"message":{"role":"assistant","content":"","tool_calls":[{"function":{"name":"f","arguments":{}}}]},"done":false})"), sent);
    EXPECT_TRUE(sent);
    EXPECT_EQ(call["choices"][0]["delta"]["tool_calls"][0]["function"]["arguments"], "{}");
    EXPECT_EQ(call["choices"][0]["delta"]["tool_calls"][0]["id"].get<std::string>().rfind("call_", 0), 0u);
    // a tool call earlier in the stream makes the finish reason tool_calls
    auto last = oa::chat_chunk(S, 1, J(R"({"message":{"role":"assistant","content":""},"done_reason":"stop","done":true})"), sent);
    EXPECT_EQ(last["choices"][0]["finish_reason"], "tool_calls");
    EXPECT_EQ(last["choices"][0]["index"], 1);
    auto u = oa::usage_chunk(S, "chat.completion.chunk", oa::usage({J(R"({"prompt_eval_count":3,"eval_count":4})")}));
    EXPECT_EQ(compat::dump(u),
              R"({"id":"chatcmpl-42","object":"chat.completion.chunk","created":1700000000,"model":"m","system_fingerprint":"fp_ollama",)"
              R"("choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}})");
}

TEST(compat_openai, completion_request_and_objects) {
    auto p = oa::completion_request(J(R"({"model":"m","prompt":"Once","suffix":"end","max_tokens":4,"logprobs":2,"echo":true,"stop":["a"]})"));
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(compat::dump(p->natives[0]),
              R"({"model":"m","prompt":"Once","options":{"stop":["a"],"num_predict":4,"temperature":1.0,"top_p":1.0,)"
              R"("frequency_penalty":0,"presence_penalty":0},"suffix":"end","logprobs":true,"top_logprobs":2,"stream":false})");
    EXPECT_EQ(p->echo, "Once");
    auto many = oa::completion_request(J(R"({"model":"m","prompt":["a","b"],"n":2})"));
    ASSERT_TRUE(many.ok());
    ASSERT_EQ(many->natives.size(), 4u);
    EXPECT_EQ(many->natives[2]["prompt"], "b");
    EXPECT_FALSE(oa::completion_request(J(R"({"model":"m","prompt":[1,2]})")).ok());

    oa::stamp s{"cmpl-7", 1700000000, "m"};
    json fin = J(R"({"response":" upon","done":true,"done_reason":"length","prompt_eval_count":2,"eval_count":1,
        "logprobs":[{"token":" upon","logprob":-1.0,"top_logprobs":[{"token":" upon","logprob":-1.0}]}]})");
    EXPECT_EQ(compat::dump(oa::completion(s, {fin}, "Once")),
              R"({"id":"cmpl-7","object":"text_completion","created":1700000000,"model":"m","system_fingerprint":"fp_ollama",)"
              R"("choices":[{"text":"Once upon","index":0,"finish_reason":"length","logprobs":{"tokens":[" upon"],)"
              R"("token_logprobs":[-1.0],"top_logprobs":[{" upon":-1.0}],"text_offset":[4]}}],)"
              R"("usage":{"prompt_tokens":2,"completion_tokens":1,"total_tokens":3}})");
    EXPECT_EQ(compat::dump(oa::completion_chunk(s, 0, "x", J(R"({"response":"x","done":false})"))),
              R"({"id":"cmpl-7","object":"text_completion","created":1700000000,"choices":[{"text":"x","index":0,)"
              R"("finish_reason":null}],"model":"m","system_fingerprint":"fp_ollama"})");
}

TEST(compat_openai, models) {
    json tags = J(R"({"models":[{"name":"gemma:latest","modified_at":"2024-01-02T03:04:05.5+01:00"},
        {"name":"alice/m:q4"},{"name":"registry.example/team/m:1"}]})");
    EXPECT_EQ(compat::dump(oa::model_list(tags)["data"][0]),
              R"({"id":"gemma:latest","object":"model","created":1704161045,"owned_by":"library"})");
    EXPECT_EQ(oa::model_list(tags)["data"][1]["owned_by"], "alice");
    EXPECT_EQ(oa::model_list(tags)["data"][2]["owned_by"], "team");
    EXPECT_EQ(compat::dump(oa::model_list(J(R"({"models":[]})"))), R"({"object":"list","data":[]})");
    EXPECT_EQ(oa::model_object("x:1", J(R"({"modified_at":"2024-01-01T00:00:00Z"})"))["created"], 1704067200);
}

TEST(compat_openai, embeddings) {
    auto p = oa::embeddings_request(J(R"({"model":"e","input":["a","b"],"dimensions":2,"encoding_format":"base64"})"));
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(compat::dump(p->native), R"({"model":"e","input":["a","b"],"dimensions":2})");
    auto out = oa::embedding_list(*p, J(R"({"embeddings":[[1.0,0.0],[0.5,-2.0]],"prompt_eval_count":4})"));
    // little-endian float32: 1.0 = 00 00 80 3f, 0.0 = 00 00 00 00
    EXPECT_EQ(out["data"][0]["embedding"], "AACAPwAAAAA=");
    EXPECT_EQ(out["data"][1]["index"], 1);
    EXPECT_EQ(out["usage"], J(R"({"prompt_tokens":4,"total_tokens":4})"));
    auto f = oa::embeddings_request(J(R"({"model":"e","input":""})"));
    ASSERT_TRUE(f.ok());
    EXPECT_EQ(f->native["input"], J(R"([""])"));
    EXPECT_EQ(oa::embedding_list(*f, J(R"({"embeddings":[[0.25]]})"))["data"][0]["embedding"], J("[0.25]"));
    EXPECT_EQ(oa::embeddings_request(J(R"({"model":"e","input":"x","encoding_format":"int8"})")).err().message,
              "Invalid value for 'encoding_format' = int8. Supported values: ['float', 'base64'].");
    EXPECT_EQ(oa::embeddings_request(J(R"({"model":"e","input":[]})")).err().message, "invalid input");
}

TEST(compat_openai, error_bodies) {
    EXPECT_EQ(compat::dump(compat::openai_error(404, "model \"x\" not found")),
              R"({"error":{"message":"model \"x\" not found","type":"not_found_error","param":null,"code":null}})");
    EXPECT_EQ(compat::openai_error(400, "x")["error"]["type"], "invalid_request_error");
    EXPECT_EQ(compat::openai_error(401, "x")["error"]["type"], "authentication_error");
    EXPECT_EQ(compat::openai_error(500, "x")["error"]["type"], "api_error");
    EXPECT_EQ(compat::openai_error(503, "x")["error"]["type"], "api_error");
    EXPECT_EQ(compat::native_error_message(R"({"error":"boom"})"), "boom");
    EXPECT_EQ(compat::native_error_message("404 page not found"), "404 page not found");
}

TEST(compat_common, line_splitter_and_ids) {
    compat::line_splitter s(8);
    auto a = s.feed("{\"a\":1}\n{\"b");
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(*a, std::vector<std::string>{"{\"a\":1}"});
    auto b = s.feed("\":2}\n");
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(*b, std::vector<std::string>{"{\"b\":2}"});
    EXPECT_FALSE(s.feed("0123456789").ok());  // an unterminated line past the limit
    for (int i = 0; i < 50; ++i) {
        auto id = compat::random_digits_id("chatcmpl-", 3);
        int n = std::stoi(id.substr(9));
        EXPECT_TRUE(n >= 0 && n < 999) << id;
    }
    EXPECT_EQ(compat::random_hex_id("msg_").size(), 28u);
    EXPECT_EQ(compat::unix_from_rfc3339("1970-01-01T01:00:00-01:00"), 7200);
    EXPECT_EQ(compat::sse_event("ping", J(R"({"type":"ping"})")), "event: ping\ndata: {\"type\":\"ping\"}\n\n");
}
