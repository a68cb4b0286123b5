// The output parsers on recorded model outputs (Qwen, Llama 3.1, Mistral,
// DeepSeek-R1 styles), fed whole and split at every byte boundary: the
// result must not depend on how the stream was chunked.
#include "chat/output.h"
#include "chat/thinking.h"
#include "chat/tool_calls.h"
#include "template/ollama.h"

#include <gtest/gtest.h>

using namespace lokal;

namespace {

struct result_t {
    std::string content, thinking;
    json calls = json::array();  // function objects without ids
};

result_t run(chat::output_parser & p, const std::vector<std::string> & pieces) {
    result_t r;
    auto take = [&](chat::delta d) {
        r.content += d.content;
        r.thinking += d.thinking;
        for (auto & c : d.tool_calls) {
            EXPECT_EQ(c["id"].get<std::string>().rfind("call_", 0), 0u);
            r.calls.push_back(c["function"]);
        }
    };
    for (const auto & s : pieces) take(p.add(s));
    take(p.finish());
    return r;
}

// Every split of text into two pieces, plus byte-by-byte.
void expect_all_splits(const chat::go_parser_config & cfg, const std::string & text, const result_t & want) {
    std::vector<std::vector<std::string>> ways;
    for (size_t i = 0; i <= text.size(); ++i) ways.push_back({text.substr(0, i), text.substr(i)});
    std::vector<std::string> bytes;
    for (char c : text) bytes.push_back(std::string(1, c));
    ways.push_back(bytes);
    for (const auto & w : ways) {
        auto p = chat::make_go_parser(cfg);
        result_t got = run(*p, w);
        ASSERT_EQ(got.content, want.content) << "split " << w[0].size();
        ASSERT_EQ(got.thinking, want.thinking) << "split " << w[0].size();
        ASSERT_EQ(got.calls, want.calls) << "split " << w[0].size();
    }
}

json fn(const std::string & name, json args, int index) {
    return json{{"index", index}, {"name", name}, {"arguments", std::move(args)}};
}

chat::go_parser_config tools_cfg(const std::string & tag) {
    chat::go_parser_config c;
    c.tools = true;
    c.tool_tag = tag;
    c.tool_names = {"get_weather", "get_time"};
    return c;
}

}  // namespace

TEST(ChatParsers, QwenToolCallsAfterContent) {
    std::string out = "Let me check.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n"
                      "</tool_call>\n<tool_call>\n{\"name\": \"get_time\", \"arguments\": {\"zone\": \"CET\"}}\n</tool_call>";
    expect_all_splits(tools_cfg("<tool_call>"), out,
                      {"Let me check.\n", "",
                       json::array({fn("get_weather", {{"city", "Paris"}}, 0), fn("get_time", {{"zone", "CET"}}, 1)})});
}

TEST(ChatParsers, Llama31BareJsonWithParameters) {
    std::string out = "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"San Francisco, CA\"}}";
    expect_all_splits(tools_cfg("{"), out, {"", "", json::array({fn("get_weather", {{"city", "San Francisco, CA"}}, 0)})});
}

TEST(ChatParsers, BraceTagAfterTextIsContent) {
    std::string out = "Sure: {\"name\": \"get_weather\", \"parameters\": {}}";
    expect_all_splits(tools_cfg("{"), out, {out, "", json::array()});
}

TEST(ChatParsers, MistralArrayWithStringArguments) {
    std::string out = "[TOOL_CALLS] [{\"name\": \"get_weather\", \"arguments\": \"{\\\"city\\\": \\\"Oslo\\\"}\"}]";
    expect_all_splits(tools_cfg("[TOOL_CALLS]"), out, {"", "", json::array({fn("get_weather", {{"city", "Oslo"}}, 0)})});
}

TEST(ChatParsers, NameKeyedObjectAndEscapedBraces) {
    std::string out = "<tool_call>{\"get_weather\": {\"city\": \"a}\\\"{b\"}}</tool_call>";
    expect_all_splits(tools_cfg("<tool_call>"), out, {"", "", json::array({fn("get_weather", {{"city", "a}\"{b"}}, 0)})});
}

TEST(ChatParsers, DeepSeekR1ThinkingThenAnswer) {
    chat::go_parser_config c;
    c.think = true;
    c.think_open = "<think>";
    c.think_close = "</think>";
    expect_all_splits(c, "<think>\nThe user says hi.\n</think>\n\nHello! How can I help?",
                      {"Hello! How can I help?", "The user says hi.\n", json::array()});
    // The template opened the block in the prompt: output starts inside it.
    c.prompt_opens_thinking = true;
    expect_all_splits(c, "Hmm < not a tag.</think>Answer", {"Answer", "Hmm < not a tag.", json::array()});
}

TEST(ChatParsers, ThinkingThenToolCall) {
    auto c = tools_cfg("<tool_call>");
    c.think = true;
    c.think_open = "<think>";
    c.think_close = "</think>";
    expect_all_splits(c, "<think>Need weather.</think><tool_call>{\"name\": \"get_weather\", \"arguments\": {}}</tool_call>",
                      {"", "Need weather.", json::array({fn("get_weather", json::object(), 0)})});
}

TEST(ChatParsers, NoThinkingTagMeansContent) {
    chat::go_parser_config c;
    c.think = true;
    c.think_open = "<think>";
    c.think_close = "</think>";
    expect_all_splits(c, "  <thi is text", {"  <thi is text", "", json::array()});
}

TEST(ChatParsers, ToolNamePrefixWaits) {
    chat::tool_call_parser p("<tool_call>", {"get", "get_weather"});
    auto a = p.add("<tool_call>{\"name\": \"get");
    EXPECT_TRUE(a.calls.empty());
    auto b = p.add("_weather\", \"arguments\": {\"x\": 1}}");
    ASSERT_EQ(b.calls.size(), 1u);
    EXPECT_EQ(b.calls[0]["name"], "get_weather");
}

TEST(ChatParsers, StripThinking) {
    EXPECT_EQ(chat::strip_thinking("<think>plan</think>\n\nAnswer", "<think>", "</think>"), "Answer");
    EXPECT_EQ(chat::strip_thinking("Answer", "<think>", "</think>"), "Answer");
}

TEST(ChatParsers, TemplateTags) {
    auto qwen = tmpl::parse(
        "{{- range .Messages }}{{ if eq .Role \"assistant\" }}{{ if .Thinking }}<think>{{ .Thinking }}</think>{{ end }}"
        "{{ if .ToolCalls }}<tool_call>\n{{ range .ToolCalls }}{\"name\": \"{{ .Function.Name }}\"}{{ end }}</tool_call>"
        "{{ end }}{{ end }}{{ end }}");
    ASSERT_TRUE(qwen);
    EXPECT_EQ(tmpl::tool_call_tag(**qwen), "<tool_call>");
    auto tags = tmpl::thinking_tags(**qwen);
    EXPECT_EQ(tags.first, "<think>");
    EXPECT_EQ(tags.second, "</think>");
    auto llama = tmpl::parse("{{ range .Messages }}{{ if .ToolCalls }}{{ range .ToolCalls }}{\"name\": \"x\"}{{ end }}"
                             "{{ end }}{{ .Thinking }}{{ end }}");
    ASSERT_TRUE(llama);
    EXPECT_EQ(tmpl::tool_call_tag(**llama), "{");
    EXPECT_EQ(tmpl::thinking_tags(**llama).first, "");
}
