// gpt-oss's harmony output (chat/harmony.h) on hand-written model outputs in
// the documented format, fed whole, split at every byte and byte by byte:
// the result must not depend on how the stream was chunked.
#include "chat/harmony.h"

#include <gtest/gtest.h>

using namespace lokal;

namespace {

struct parsed {
    std::string content, thinking;
    json calls = json::array();  // function objects, without ids
};

parsed run(chat::harmony_names names, chat::harmony_prefill prefill, const std::vector<std::string> & pieces) {
    auto p = chat::make_harmony_parser(std::move(names), prefill);
    parsed r;
    auto take = [&](chat::delta d) {
        r.content += d.content;
        r.thinking += d.thinking;
        for (auto & c : d.tool_calls) {
            EXPECT_EQ(c["id"].get<std::string>().rfind("call_", 0), 0u);
            r.calls.push_back(c["function"]);
        }
    };
    for (const auto & s : pieces) take(p->add(s));
    take(p->finish());
    return r;
}

void expect_all_splits(const std::string & text, const parsed & want, const chat::harmony_names & names = {},
                       chat::harmony_prefill prefill = chat::harmony_prefill::none) {
    std::vector<std::vector<std::string>> ways;
    for (size_t i = 0; i <= text.size(); ++i) ways.push_back({text.substr(0, i), text.substr(i)});
    std::vector<std::string> bytes;
    for (char c : text) bytes.push_back(std::string(1, c));
    ways.push_back(bytes);
    for (const auto & pieces : ways) {
        parsed got = run(names, prefill, pieces);
        ASSERT_EQ(got.content, want.content) << text;
        ASSERT_EQ(got.thinking, want.thinking) << text;
        ASSERT_EQ(got.calls, want.calls) << text;
    }
}

}  // namespace

TEST(Harmony, AnalysisIsThinkingAndFinalIsContent) {
    // The prompt ends with "<|start|>assistant"; <|return|> stops generation.
    expect_all_splits("<|channel|>analysis<|message|>The user greets me. Answer briefly.<|end|>"
                      "<|start|>assistant<|channel|>final<|message|>Hello! How can I help?",
                      {"Hello! How can I help?", "The user greets me. Answer briefly."});
}

TEST(Harmony, PlainCommentaryIsContent) {
    expect_all_splits("<|channel|>commentary<|message|>Checking that for you.<|end|>",
                      {"Checking that for you.", ""});
}

TEST(Harmony, ToolCallWithRecipientAfterTheChannel) {
    chat::harmony_names names;
    json tools = chat::harmony_tools(json::parse(R"([{"type":"function","function":{"name":"get-weather"}}])"), names);
    EXPECT_EQ(tools[0]["function"]["name"], "get_weather");
    parsed want{"", "Need the weather."};
    want.calls.push_back(json::parse(R"({"index":0,"name":"get-weather","arguments":{"city":"Paris"}})"));
    expect_all_splits("<|channel|>analysis<|message|>Need the weather.<|end|>"
                      "<|start|>assistant<|channel|>commentary to=functions.get_weather <|constrain|>json"
                      "<|message|>{\"city\":\"Paris\"}",
                      want, names);
}

TEST(Harmony, ToolCallWithRecipientBeforeTheChannelAndNoSpaceBeforeConstrain) {
    parsed want;
    want.calls.push_back(json::parse(R"({"index":0,"name":"lookup","arguments":{"q":"x"}})"));
    expect_all_splits(" to=functions.lookup<|channel|>commentary<|constrain|>json<|message|>{\"q\":\"x\"}", want);
}

TEST(Harmony, ArgumentsThatAreNotJsonStayAsContent) {
    expect_all_splits("<|channel|>commentary to=functions.f<|message|>{not json", {"{not json", ""});
}

TEST(Harmony, PrefilledAnswerContinues) {
    expect_all_splits(" and the rest.", {" and the rest.", ""}, {}, chat::harmony_prefill::final);
    expect_all_splits(" still thinking<|end|><|start|>assistant<|channel|>final<|message|>Done",
                      {"Done", " still thinking"}, {}, chat::harmony_prefill::analysis);
}

TEST(Harmony, TextOutsideMessagesIsDroppedAndAPartialTagIsHeldBack) {
    expect_all_splits("<|channel|>final<|message|>Hi<|end|>stray text", {"Hi", ""});
    // Output that stops inside what looked like the end tag loses nothing.
    expect_all_splits("<|channel|>final<|message|>a <|en", {"a <|en", ""});
}

TEST(Harmony, ToolNamesBecomeIdentifiers) {
    chat::harmony_names n;
    EXPECT_EQ(n.add("get weather.now"), "get_weather_now");
    EXPECT_EQ(n.add("1st-tool"), "_1st_tool");
    EXPECT_EQ(n.add("a-b"), "a_b");
    EXPECT_EQ(n.add("a.b"), "a_b_2");  // a clash gets a number
    EXPECT_EQ(n.add("a b"), "a_b_3");
    EXPECT_EQ(n.add("@#!"), "unnamed");
    EXPECT_EQ(n.add("python"), "python");  // built-in tools keep their names
    EXPECT_EQ(n.add("browser.search"), "browser.search");
    EXPECT_EQ(n.user_name("a_b_2"), "a.b");
    EXPECT_EQ(n.user_name("unknown"), "unknown");
}

TEST(Harmony, PreservedTokensAreTheStructuralOnes) {
    auto t = chat::harmony_preserved_tokens();
    EXPECT_EQ(t.size(), 5u);
    EXPECT_NE(std::find(t.begin(), t.end(), "<|channel|>"), t.end());
    // <|call|> and <|return|> end generation, so they are not among them.
    EXPECT_EQ(std::find(t.begin(), t.end(), "<|call|>"), t.end());
}
