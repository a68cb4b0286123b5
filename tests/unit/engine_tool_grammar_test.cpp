// The GBNF that forces a harmony (gpt-oss) tool call, run through llama.cpp's
// own grammar matcher (no vocabulary: it matches text code point by code point).
#include "engine/tool_grammar.h"

#include <gtest/gtest.h>

#include <llama-grammar.h>

#include <algorithm>

using namespace lokal;

namespace {

const json tools = json::parse(R"([
  {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object",
    "properties": {"city": {"type": "string"}}, "required": ["city"], "additionalProperties": false}}},
  {"type": "function", "function": {"name": "get_time"}}])");

const std::string call_weather = R"(<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>{"city": "Paris"})";

enum class match { complete, partial, rejected };

match run(const std::string & gbnf, const std::string & text) {
    llama_grammar * g = llama_grammar_init_impl(nullptr, gbnf.c_str(), "root", false, nullptr, 0, nullptr, 0);
    EXPECT_NE(g, nullptr) << gbnf;
    if (!g) return match::rejected;
    match m = match::partial;
    try {
        llama_grammar_accept_str(*g, text);
        const auto & st = g->stacks;
        if (std::any_of(st.begin(), st.end(), [](const auto & s) { return s.empty(); })) m = match::complete;
    } catch (const std::exception &) {
        m = match::rejected;
    }
    llama_grammar_free_impl(g);
    return m;
}

std::string grammar(engine::harmony_call_options o) {
    auto g = engine::harmony_call_grammar(o);
    EXPECT_TRUE(g) << (g ? "" : g.err().message);
    return g ? *g : "";
}

std::string all_tools() {
    engine::harmony_call_options o;
    o.tools = tools;
    return grammar(o);
}

}  // namespace

TEST(HarmonyCallGrammar, ForcesACallOfOneOfTheTools) {
    const std::string g = all_tools();
    EXPECT_EQ(run(g, call_weather), match::complete);
    EXPECT_EQ(run(g, R"(<|channel|>commentary to=functions.get_time <|constrain|>json<|message|>{"tz": "UTC"})"),
              match::complete);
    EXPECT_EQ(run(g, "<|channel|>final<|message|>It is sunny."), match::rejected);
    EXPECT_EQ(run(g, "<|channel|>commentary<|message|>Let me check."), match::rejected);
    EXPECT_EQ(run(g, R"(<|channel|>commentary to=functions.get_news <|constrain|>json<|message|>{})"), match::rejected);
    EXPECT_EQ(run(g, "<|channel|>commentary to=functions.get_weather"), match::partial);
}

TEST(HarmonyCallGrammar, ArgumentsFollowTheToolsSchema) {
    const std::string g = all_tools();
    const std::string head = "<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>";
    EXPECT_EQ(run(g, head + R"({"city": 5})"), match::rejected);
    EXPECT_EQ(run(g, head + R"({"town": "Paris"})"), match::rejected);
    EXPECT_EQ(run(g, head + "[1]"), match::rejected);
    // A tool without parameters takes any JSON object, but an object.
    const std::string time = "<|channel|>commentary to=functions.get_time <|constrain|>json<|message|>";
    EXPECT_EQ(run(g, time + "{}"), match::complete);
    EXPECT_EQ(run(g, time + "\"now\""), match::rejected);
}

TEST(HarmonyCallGrammar, TheModelMayThinkFirst) {
    const std::string g = all_tools();
    const std::string thought = "<|channel|>analysis<|message|>if a < b then <|en or |> <<|end|><|start|>assistant";
    EXPECT_EQ(run(g, thought + call_weather), match::complete);
    // The analysis message ends at the first <|end|>, and then a call must come.
    EXPECT_EQ(run(g, "<|channel|>analysis<|message|>hm<|end|>more"), match::rejected);
    EXPECT_EQ(run(g, "<|channel|>analysis<|message|>hm<|end|><|start|>assistant<|channel|>final<|message|>x"),
              match::rejected);
    // Once, not twice.
    EXPECT_EQ(run(g, thought + thought + call_weather), match::rejected);
    engine::harmony_call_options o;
    o.tools = tools;
    o.allow_analysis = false;
    EXPECT_EQ(run(grammar(o), thought + call_weather), match::rejected);
    EXPECT_EQ(run(grammar(o), call_weather), match::complete);
}

TEST(HarmonyCallGrammar, ANamedToolIsTheOnlyOne) {
    engine::harmony_call_options o;
    o.tools = json::array({tools[1]});
    const std::string g = grammar(o);
    EXPECT_EQ(run(g, call_weather), match::rejected);
    EXPECT_EQ(run(g, "<|channel|>commentary to=functions.get_time <|constrain|>json<|message|>{}"), match::complete);
}

TEST(HarmonyCallGrammar, APrefilledMessageEndsBeforeTheCall) {
    engine::harmony_call_options o;
    o.tools = tools;
    o.continues_message = true;
    const std::string g = grammar(o);
    EXPECT_EQ(run(g, " and so on<|end|><|start|>assistant" + call_weather), match::complete);
    // Without its <|end|>, a call is only more text of the open message.
    EXPECT_EQ(run(g, call_weather), match::partial);
}

TEST(HarmonyCallGrammar, BadToolsAreAnError) {
    engine::harmony_call_options o;
    EXPECT_FALSE(engine::harmony_call_grammar(o));
    o.tools = json::parse(R"([{"type": "function", "function": {"description": "no name"}}])");
    auto g = engine::harmony_call_grammar(o);
    ASSERT_FALSE(g);
    EXPECT_EQ(g.err().code, errc::invalid_request);
}
