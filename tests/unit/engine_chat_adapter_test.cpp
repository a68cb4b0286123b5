// The Jinja path: real chat templates from the pinned llama.cpp source
// (models/templates), rendered with tools/thinking by libcommon, and the
// adapter's incremental parser on recorded outputs split at every byte.
#include "engine/chat_adapter.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

using namespace lokal;

namespace {

std::string read_template(const std::string & name) {
    std::ifstream f(std::string(LOKAL_LLAMA_SRC) + "/models/templates/" + name);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

const json tools = json::parse(R"([{"type": "function", "function": {"name": "get_weather",
  "description": "Weather in a city", "parameters": {"type": "object",
  "properties": {"city": {"type": "string"}}, "required": ["city"]}}}])");

engine::chat_template_request ask(bool with_tools, bool think) {
    engine::chat_template_request r;
    r.messages.push_back({"user", "Weather in Paris?"});
    if (with_tools) r.tools = tools;
    r.think = think;
    return r;
}

struct parsed {
    std::string content, thinking;
    std::vector<json> calls;
};

// Feeds the output to a fresh parser in two pieces split at `at`.
parsed feed(const std::string & jinja, const engine::chat_template_request & req, const std::string & out, size_t at) {
    auto p = engine::render_chat_with_source(jinja, req, "<s>", "</s>");
    EXPECT_TRUE(p) << (p ? "" : p.err().message);
    parsed r;
    if (!p) return r;
    for (auto d : {p->parser->add(out.substr(0, at)), p->parser->add(out.substr(at)), p->parser->finish()}) {
        r.content += d.content;
        r.thinking += d.thinking;
        for (auto & c : d.tool_calls) r.calls.push_back(c["function"]);
    }
    return r;
}

}  // namespace

TEST(EngineChatAdapter, QwenToolsRenderedAndParsed) {
    std::string jinja = read_template("Qwen-Qwen2.5-7B-Instruct.jinja");
    ASSERT_FALSE(jinja.empty());
    auto p = engine::render_chat_with_source(jinja, ask(true, false));
    ASSERT_TRUE(p) << p.err().message;
    EXPECT_NE(p->prompt.find("get_weather"), std::string::npos);
    EXPECT_NE(p->prompt.find("<tools>"), std::string::npos);
    std::string out = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>";
    for (size_t at = 0; at <= out.size(); ++at) {
        auto r = feed(jinja, ask(true, false), out, at);
        ASSERT_EQ(r.calls.size(), 1u) << "split " << at;
        EXPECT_EQ(r.calls[0], json::parse(R"({"index":0,"name":"get_weather","arguments":{"city":"Paris"}})"));
        EXPECT_EQ(r.content.find("<tool_call>"), std::string::npos) << "split " << at << ": " << r.content;
    }
}

TEST(EngineChatAdapter, QwenToolChoiceRequiredHasGrammar) {
    auto req = ask(true, false);
    req.tool_choice = "required";
    auto p = engine::render_chat_with_source(read_template("Qwen-Qwen2.5-7B-Instruct.jinja"), req);
    ASSERT_TRUE(p) << p.err().message;
    EXPECT_FALSE(p->grammar.empty());
}

TEST(EngineChatAdapter, DeepSeekR1ThinkingSplit) {
    std::string jinja = read_template("deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja");
    ASSERT_FALSE(jinja.empty());
    // The template opens the block in the prompt: the output starts inside it.
    auto p = engine::render_chat_with_source(jinja, ask(false, true));
    ASSERT_TRUE(p) << p.err().message;
    ASSERT_EQ(p->prompt.substr(p->prompt.size() - 8), "<think>\n");
    std::string out = "The user asks about weather.\n</think>\n\nIt is sunny.";
    for (size_t at = 0; at <= out.size(); ++at) {
        auto r = feed(jinja, ask(false, true), out, at);
        EXPECT_EQ(r.thinking.find("<think>"), std::string::npos) << r.thinking;
        EXPECT_NE(r.thinking.find("The user asks about weather."), std::string::npos) << "split " << at;
        EXPECT_EQ(r.content, "It is sunny.") << "split " << at;
    }
}

TEST(EngineChatAdapter, Qwen3ThinkingOnAndOff) {
    std::string jinja = read_template("Qwen-Qwen3-0.6B.jinja");
    ASSERT_FALSE(jinja.empty());
    // Off: the template closes an empty block in the prompt.
    auto off = engine::render_chat_with_source(jinja, ask(false, false));
    ASSERT_TRUE(off) << off.err().message;
    EXPECT_NE(off->prompt.find("<think>\n\n</think>"), std::string::npos) << off->prompt;
    auto r = feed(jinja, ask(false, false), "Hello.", 3);
    EXPECT_EQ(r.thinking, "");
    EXPECT_EQ(r.content, "Hello.");
    std::string out = "<think>\nA greeting.\n</think>\n\nHello.";
    for (size_t at = 0; at <= out.size(); ++at) {
        r = feed(jinja, ask(false, true), out, at);
        EXPECT_NE(r.thinking.find("A greeting."), std::string::npos) << "split " << at;
        EXPECT_EQ(r.content, "Hello.") << "split " << at;
    }
}
