#include "store/modelfile.h"

#include <gtest/gtest.h>

using namespace lokal;
using namespace lokal::store;

namespace {

modelfile must_parse(std::string_view text) {
    auto mf = parse_modelfile(text);
    EXPECT_TRUE(mf.ok()) << (mf ? "" : mf.err().message);
    return mf ? *mf : modelfile{};
}

std::string error_of(std::string_view text) {
    auto mf = parse_modelfile(text);
    return mf ? std::string("ok") : mf.err().message;
}

}  // namespace

TEST(StoreModelfile, AllInstructions) {
    modelfile mf = must_parse(R"(# a comment
FROM llama3.2
from ./model.gguf
ADAPTER ./lora.gguf
PARAMETER temperature 0.7
parameter stop "<|eot_id|>"
PARAMETER stop <|end|>
TEMPLATE """{{ if .System }}<|system|>
{{ .System }}{{ end }}"""
SYSTEM You are "Mario".
LICENSE """MIT"""
LICENSE "Apache 2.0"
MESSAGE user Is Toronto in Canada?
MESSAGE assistant "yes"
REQUIRES 0.5.0
)");
    const auto & c = mf.commands;
    ASSERT_EQ(c.size(), 13u);
    EXPECT_EQ(c[0].name, "model");
    EXPECT_EQ(c[0].args, "llama3.2");
    EXPECT_EQ(c[0].line, 2);
    EXPECT_EQ(c[1].args, "./model.gguf");
    EXPECT_EQ(c[2].name, "adapter");
    EXPECT_TRUE(c[3].is_parameter);
    EXPECT_EQ(c[3].name, "temperature");
    EXPECT_EQ(c[3].args, "0.7");
    EXPECT_EQ(c[4].args, "<|eot_id|>");
    EXPECT_EQ(c[5].args, "<|end|>");
    EXPECT_EQ(c[6].name, "template");
    EXPECT_EQ(c[6].args, "{{ if .System }}<|system|>\n{{ .System }}{{ end }}");
    EXPECT_EQ(c[7].name, "system");
    EXPECT_EQ(c[7].args, "You are \"Mario\".");
    EXPECT_EQ(c[7].line, 10);
    EXPECT_EQ(c[8].args, "MIT");
    EXPECT_EQ(c[9].args, "Apache 2.0");
    EXPECT_EQ(c[10].name, "message");
    EXPECT_EQ(c[10].role, "user");
    EXPECT_EQ(c[10].args, "Is Toronto in Canada?");
    EXPECT_EQ(c[11].args, "yes");
    EXPECT_EQ(c[12].name, "requires");
    auto params = mf.parameters();
    ASSERT_EQ(params.size(), 3u);
    EXPECT_EQ(params[1], (std::pair<std::string, std::string>{"stop", "<|eot_id|>"}));
}

TEST(StoreModelfile, QuotingRulesLikeOllama) {
    auto one = [](std::string_view text) {
        modelfile mf = must_parse(std::string("FROM m\n") + std::string(text));
        return mf.commands.size() > 1 ? mf.commands[1].args : std::string("<none>");
    };
    EXPECT_EQ(one("SYSTEM   spaced out   \n"), "spaced out");
    EXPECT_EQ(one("SYSTEM \"\"\"\"\"\"\n"), "");
    EXPECT_EQ(one("SYSTEM \"\"\"a\"\"\"\"\n"), "a\"");       // closes at the last """ of the line
    EXPECT_EQ(one("SYSTEM \"a\" b \"c\"\n"), "a\" b \"c");     // inner quotes stay
    EXPECT_EQ(one("SYSTEM \"\"\"x\"\"\" y\nz\"\"\"\n"), "x\"\"\" y\nz");
    EXPECT_EQ(one("SYSTEM \"multi\nline\"\n"), "multi\nline");
    EXPECT_EQ(one("SYSTEM # not a comment\n"), "# not a comment");
    EXPECT_EQ(one("TEMPLATE \"\"\"\r\nwindows\r\n\"\"\"\r\n"), "\nwindows\n");
    EXPECT_EQ(one("SYSTEM \"\"\"tabs\tok\"\"\"   \t\n"), "tabs\tok");
}

TEST(StoreModelfile, ErrorsNameTheLine) {
    EXPECT_EQ(error_of("FROM m\nBOGUS x\n"),
              "(line 2): command must be one of \"from\", \"license\", \"template\", \"system\", \"adapter\", "
              "\"draft\", \"renderer\", \"parser\", \"parameter\", \"message\", or \"requires\"");
    EXPECT_EQ(error_of("FROM m\n\n\nMESSAGE robot hi\n"),
              "(line 4): message role must be one of \"system\", \"user\", or \"assistant\"");
    EXPECT_EQ(error_of("FROM m\nSYSTEM \"\"\"never\nclosed\n"), "(line 2): unterminated \"\"\" string");
    EXPECT_EQ(error_of("FROM m\nSYSTEM \"open\n"), "(line 2): unterminated \" string");
    EXPECT_EQ(error_of("FROM m\nPARAMETER\n"), "(line 2): missing value after PARAMETER");
    EXPECT_EQ(error_of("FROM m\nPARAMETER temperature\n"), "(line 2): missing value after PARAMETER");
    EXPECT_EQ(error_of("FROM m\nPARAMETER temp-erature 1\n"), "(line 2): invalid parameter name");
    EXPECT_EQ(error_of("FROM\n"), "(line 1): missing value after FROM");
    EXPECT_EQ(error_of("FROM: m\n"), "(line 1): " + error_of("FROM m\nX y").substr(10));
    EXPECT_EQ(error_of("SYSTEM hi\n"), "no FROM line");
    EXPECT_EQ(error_of(""), "no FROM line");
    EXPECT_EQ(error_of("# only a comment"), "no FROM line");
}

TEST(StoreModelfile, Limits) {
    modelfile_limits lim;
    lim.max_bytes = 16;
    EXPECT_FALSE(parse_modelfile("FROM m\nSYSTEM something long\n", lim));
    lim = {};
    lim.max_commands = 2;
    auto r = parse_modelfile("FROM m\nSYSTEM a\nSYSTEM b\n", lim);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.err().message, "(line 3): more than 2 instructions");
    // A BOM is skipped.
    EXPECT_TRUE(parse_modelfile("\xef\xbb\xbf" "FROM m\n"));
}

TEST(StoreModelfile, QuoteForOutput) {
    EXPECT_EQ(quote_modelfile_value("plain"), "plain");
    EXPECT_EQ(quote_modelfile_value("two\nlines"), "\"two\nlines\"");
    EXPECT_EQ(quote_modelfile_value(" lead"), "\" lead\"");
    EXPECT_EQ(quote_modelfile_value("say \"hi\"\nok"), "\"\"\"say \"hi\"\nok\"\"\"");
}

TEST(StoreModelfile, RenderForShow) {
    modelfile_view v;
    v.short_name = "mario:latest";
    v.model_path = "/models/blobs/sha256-aa";
    v.projector_path = "/models/blobs/sha256-bb";
    v.template_text = "{{ .System }}\nUSER: {{ .Prompt }}";
    v.system = "You are Mario.";
    v.params = json::parse(R"({"temperature":0.7,"stop":["</s>","USER:"],"num_ctx":4096})");
    v.license = {"MIT"};
    v.messages = json::parse(R"([{"role":"user","content":"hi"}])");
    EXPECT_EQ(render_modelfile(v),
              "# Modelfile generated by \"ollama show\"\n"
              "# To build a new Modelfile based on this, replace FROM with:\n"
              "# FROM mario:latest\n\n"
              "FROM /models/blobs/sha256-aa\n"
              "FROM /models/blobs/sha256-bb\n"
              "TEMPLATE \"{{ .System }}\nUSER: {{ .Prompt }}\"\n"
              "SYSTEM You are Mario.\n"
              "PARAMETER num_ctx 4096\n"
              "PARAMETER stop </s>\n"
              "PARAMETER stop USER:\n"
              "PARAMETER temperature 0.7\n"
              "LICENSE MIT\n"
              "MESSAGE user hi\n");
    // What show renders parses back to the same values.
    auto back = parse_modelfile(render_modelfile(v));
    ASSERT_TRUE(back) << back.err().message;
    EXPECT_EQ(back->commands[2].args, v.template_text);
}

TEST(StoreModelfile, ParametersBlock) {
    json p = json::parse(R"({"temperature":0.7,"stop":["<|eot_id|>","a\"b"],"num_ctx":1048576,"use_mmap":false})");
    EXPECT_EQ(format_parameters(p),
              "num_ctx                        1.048576e+06\n"
              "stop                           \"<|eot_id|>\"\n"
              "stop                           \"a\\\"b\"\n"
              "temperature                    0.7\n"
              "use_mmap                       false");
    EXPECT_EQ(format_parameters(json::object()), "");
}
