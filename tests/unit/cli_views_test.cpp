#include "cli/views.h"

#include <gtest/gtest.h>

using namespace lokal;
using namespace lokal::cli;
using namespace std::chrono;

namespace {
const lokal::cli::sys_time now = sys_days{2025y / 5 / 10} + 15h;
}

TEST(cli_views, list_rows_and_filter) {
    const json tags = json::parse(R"({"models": [
        {"name": "llama3.2:latest", "model": "llama3.2:latest", "modified_at": "2025-05-10T14:58:00Z",
         "size": 2019393189, "digest": "a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72"},
        {"name": "Qwen:7b", "modified_at": "2025-04-01T00:00:00Z", "size": 4683075271,
         "digest": "0a8c266910232fd3291e71e5ba1e058cc5af9d411192cf88b6d30e92b6e73163"}]})");
    EXPECT_EQ(format_list(tags, "", now),
              "NAME               ID              SIZE      MODIFIED      \n"
              "llama3.2:latest    a80c4f17acd5    2.0 GB    2 minutes ago    \n"
              "Qwen:7b            0a8c26691023    4.7 GB    5 weeks ago      \n");
    const std::string only = format_list(tags, "qwen", now);
    EXPECT_EQ(only.find("llama"), std::string::npos);
    EXPECT_NE(only.find("Qwen:7b"), std::string::npos);
    EXPECT_EQ(format_list(json::object(), "", now), "NAME    ID    SIZE    MODIFIED \n");
}

TEST(cli_views, ps_processor_and_until) {
    const json ps = json::parse(R"({"models": [
        {"name": "a:latest", "digest": "sha256:1111111111111111", "size": 1000000000, "size_vram": 0,
         "context_length": 4096, "expires_at": "2025-05-10T15:04:00Z"},
        {"name": "b:latest", "digest": "2222222222222222", "size": 1000000000, "size_vram": 1000000000,
         "context_length": 8192, "expires_at": "2025-05-10T14:00:00Z"},
        {"name": "c:latest", "digest": "3333333333333333", "size": 1000000000, "size_vram": 250000000,
         "context_length": 2048, "expires_at": "2100-01-01T00:00:00Z"}]})");
    const std::string out = format_ps(ps, "", now);
    EXPECT_EQ(out.substr(0, out.find('\n')),
              "NAME        ID              SIZE    PROCESSOR          CONTEXT    UNTIL              ");
    EXPECT_NE(out.find("a:latest    111111111111    1 GB    100% CPU           4096       4 minutes from now"),
              std::string::npos)
        << out;
    EXPECT_NE(out.find("100% GPU"), std::string::npos);
    EXPECT_NE(out.find("Stopping..."), std::string::npos);
    EXPECT_NE(out.find("75%/25% CPU/GPU"), std::string::npos);
    EXPECT_NE(out.find("Forever"), std::string::npos);
}

TEST(cli_views, show_info_sections) {
    const json show = json::parse(R"({
        "parameters": "stop                           \"<|eot_id|>\"\ntemperature                    0.7",
        "license": "LLAMA LICENSE\n\nline two\nline three\n",
        "system": "You are Mario.",
        "details": {"family": "llama", "parameter_size": "8.0B", "quantization_level": "Q4_0"},
        "model_info": {"general.architecture": "llama", "general.parameter_count": 8030261248,
                       "llama.context_length": 131072, "llama.embedding_length": 4096,
                       "tokenizer.ggml.tokens": ["a", "b", "c", "d", "e"]},
        "capabilities": ["completion", "tools"]})");
    const std::string out = format_show_info(show, false);
    EXPECT_EQ(out.substr(0, out.find("  Capabilities")),
              "  Model\n"
              "    architecture        llama     \n"
              "    parameters          8.0B      \n"
              "    context length      131072    \n"
              "    embedding length    4096      \n"
              "    quantization        Q4_0      \n"
              "\n");
    EXPECT_NE(out.find("  Capabilities\n    completion    \n    tools         \n\n"), std::string::npos) << out;
    EXPECT_NE(out.find("  Parameters\n    stop           \"<|eot_id|>\"    \n    temperature    0.7             \n"),
              std::string::npos)
        << out;
    EXPECT_NE(out.find("  System\n    You are Mario.    \n\n"), std::string::npos) << out;
    EXPECT_NE(out.find("  License\n    LLAMA LICENSE    \n    line two         \n    ...              \n"),
              std::string::npos)
        << out;
    EXPECT_EQ(out.find("Metadata"), std::string::npos);

    const std::string verbose = format_show_info(show, true);
    EXPECT_NE(verbose.find("  Metadata\n"), std::string::npos);
    EXPECT_NE(verbose.find("general.parameter_count    8.030261248e+09"), std::string::npos) << verbose;
    EXPECT_NE(verbose.find("llama.context_length       131072"), std::string::npos) << verbose;
    EXPECT_NE(verbose.find("[a b c ...+2 more]"), std::string::npos) << verbose;
}

TEST(cli_views, show_without_model_info_uses_details) {
    const json show = json::parse(R"({"details": {"family": "gemma3", "parameter_size": "268M",
                                                  "quantization_level": "Q8_0"}})");
    const std::string out = format_show_info(show, false);
    EXPECT_NE(out.find("architecture    gemma3"), std::string::npos) << out;
    EXPECT_NE(out.find("parameters      268M"), std::string::npos) << out;
    EXPECT_EQ(out.find("Capabilities"), std::string::npos);
}

TEST(cli_views, metrics_block) {
    const json done = json::parse(R"({"done": true, "total_duration": 5043500667, "load_duration": 5025959,
        "prompt_eval_count": 26, "prompt_eval_duration": 325953000, "eval_count": 290,
        "eval_duration": 4709213000})");
    EXPECT_EQ(format_metrics(done),
              "total duration:       5.043500667s\n"
              "load duration:        5.025959ms\n"
              "prompt eval count:    26 token(s)\n"
              "prompt eval duration: 325.953ms\n"
              "prompt eval rate:     79.77 tokens/s\n"
              "eval count:           290 token(s)\n"
              "eval duration:        4.709213s\n"
              "eval rate:            61.58 tokens/s\n");
    EXPECT_EQ(format_metrics(json::parse(R"({"eval_count": 3})")), "eval count:           3 token(s)\n");
    // a model that was already loaded: a zero load time is still shown
    EXPECT_EQ(format_metrics(json::parse(R"({"load_duration": 0, "eval_duration": 0})")),
              "load duration:        0s\neval duration:        0s\n");
}

TEST(cli_views, go_value_text) {
    EXPECT_EQ(go_value_text(json(true)), "true");
    EXPECT_EQ(go_value_text(json(1e-05)), "1e-05");
    EXPECT_EQ(go_value_text(json(500000)), "500000");
    EXPECT_EQ(go_value_text(json(1000000)), "1e+06");
    EXPECT_EQ(go_value_text(json(0.5)), "0.5");
    EXPECT_EQ(go_value_text(json("gpt2")), "gpt2");
}
