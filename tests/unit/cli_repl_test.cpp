#include "cli/repl.h"

#include <gtest/gtest.h>

using namespace lokal;
using namespace lokal::cli;

namespace {

repl_session session() {
    repl_session s;
    s.model = "m";
    return s;
}

}  // namespace

TEST(cli_repl, plain_line_is_sent_and_kept_in_history) {
    repl_session s = session();
    repl_action a = repl_handle_line(s, "Hello there", false);
    EXPECT_EQ(a.kind, repl_action_kind::chat);
    ASSERT_EQ(s.messages.size(), 1u);
    EXPECT_EQ(s.messages[0].dump(), R"({"role":"user","content":"Hello there"})");
    EXPECT_TRUE(s.pending.empty());
    // the driver appends the answer; the next request carries both turns
    s.messages.push_back({{"role", "assistant"}, {"content", "Hi!"}});
    repl_handle_line(s, "Again", false);
    EXPECT_EQ(repl_chat_request(s, nullptr)["messages"].size(), 3u);
}

TEST(cli_repl, empty_line_does_nothing) {
    repl_session s = session();
    EXPECT_EQ(repl_handle_line(s, "", false).kind, repl_action_kind::none);
    EXPECT_TRUE(s.messages.empty());
}

TEST(cli_repl, set_parameter) {
    repl_session s = session();
    repl_action a = repl_handle_line(s, "/set parameter num_predict 8", false);
    EXPECT_EQ(a.kind, repl_action_kind::none);
    EXPECT_EQ(a.out, "Set parameter 'num_predict' to '8'\n");
    EXPECT_EQ(s.options["num_predict"], 8);

    a = repl_handle_line(s, "/set parameter stop <a> <b>", false);
    EXPECT_EQ(a.out, "Set parameter 'stop' to '<a>, <b>'\n");
    EXPECT_EQ(s.options["stop"].dump(), R"(["<a>","<b>"])");

    a = repl_handle_line(s, "/set parameter temperature warm", false);
    EXPECT_EQ(a.out, "Couldn't set parameter: \"invalid float value [warm]\"\n");
    a = repl_handle_line(s, "/set parameter bogus 1", false);
    EXPECT_EQ(a.out, "Couldn't set parameter: \"unknown parameter 'bogus'\"\n");

    a = repl_handle_line(s, "/set parameter", false);
    EXPECT_NE(a.err.find("Available Parameters:"), std::string::npos);

    const json req = repl_chat_request(s, "10m");
    EXPECT_EQ(req["options"]["num_predict"], 8);
    EXPECT_EQ(req["keep_alive"], "10m");
    EXPECT_EQ(req["model"], "m");
}

TEST(cli_repl, triple_quoted_multiline_message) {
    repl_session s = session();
    repl_action a = repl_handle_line(s, "\"\"\"What is the capital", false);
    EXPECT_EQ(a.kind, repl_action_kind::none);
    EXPECT_EQ(s.multiline, multiline_mode::prompt);
    EXPECT_TRUE(s.use_alt_prompt);
    a = repl_handle_line(s, "  of Germany?", false);
    EXPECT_EQ(a.kind, repl_action_kind::none);
    a = repl_handle_line(s, "Answer briefly.\"\"\"", false);
    EXPECT_EQ(a.kind, repl_action_kind::chat);
    EXPECT_FALSE(s.use_alt_prompt);
    EXPECT_EQ(s.multiline, multiline_mode::none);
    EXPECT_EQ(s.messages.back()["content"], "What is the capital\n  of Germany?\nAnswer briefly.");
}

TEST(cli_repl, triple_quotes_on_one_line_and_alone) {
    repl_session s = session();
    EXPECT_EQ(repl_handle_line(s, "\"\"\"one line\"\"\"", false).kind, repl_action_kind::chat);
    EXPECT_EQ(s.messages.back()["content"], "one line");

    repl_handle_line(s, "\"\"\"", false);
    repl_handle_line(s, "/bye is text here", false);  // commands are not commands inside a block
    EXPECT_EQ(repl_handle_line(s, "\"\"\"", false).kind, repl_action_kind::chat);
    EXPECT_EQ(s.messages.back()["content"], "\n/bye is text here\n");
}

TEST(cli_repl, set_system_single_and_multiline) {
    repl_session s = session();
    repl_action a = repl_handle_line(s, "/set system You are   a pirate.", false);
    EXPECT_EQ(a.out, "Set system message.\n");
    EXPECT_EQ(s.system, "You are a pirate.");
    ASSERT_EQ(s.messages.size(), 1u);
    EXPECT_EQ(s.messages[0]["role"], "system");
    // a second /set system replaces a trailing system message
    repl_handle_line(s, "/set system Be brief.", false);
    ASSERT_EQ(s.messages.size(), 1u);
    EXPECT_EQ(s.messages[0]["content"], "Be brief.");

    a = repl_handle_line(s, "/set system \"\"\"Line one", false);
    EXPECT_TRUE(a.out.empty());
    EXPECT_EQ(s.multiline, multiline_mode::system);
    a = repl_handle_line(s, "line two\"\"\"", false);
    EXPECT_EQ(a.out, "Set system message.\n");
    EXPECT_EQ(a.kind, repl_action_kind::none);
    EXPECT_EQ(s.system, "Line one\nline two");
}

TEST(cli_repl, clear_keeps_the_system_message) {
    repl_session s = session();
    repl_handle_line(s, "/set system Be kind.", false);
    repl_handle_line(s, "hi", false);
    repl_action a = repl_handle_line(s, "/clear", false);
    EXPECT_EQ(a.out, "Cleared session context\n");
    ASSERT_EQ(s.messages.size(), 1u);
    EXPECT_EQ(s.messages[0]["content"], "Be kind.");
}

TEST(cli_repl, modes_and_formats) {
    repl_session s = session();
    EXPECT_EQ(repl_handle_line(s, "/set verbose", false).out, "Set 'verbose' mode.\n");
    EXPECT_TRUE(s.verbose);
    EXPECT_EQ(repl_handle_line(s, "/set quiet", false).out, "Set 'quiet' mode.\n");
    EXPECT_FALSE(s.verbose);
    EXPECT_EQ(repl_handle_line(s, "/set nowordwrap", false).out, "Set 'nowordwrap' mode.\n");
    EXPECT_FALSE(s.word_wrap);
    EXPECT_EQ(repl_handle_line(s, "/set format json", false).out, "Set format to 'json' mode.\n");
    EXPECT_EQ(repl_chat_request(s, nullptr)["format"], "json");
    EXPECT_EQ(repl_handle_line(s, "/set format yaml", false).out,
              "Invalid or missing format. For 'json' mode use '/set format json'\n");
    EXPECT_EQ(repl_handle_line(s, "/set noformat", false).out, "Disabled format.\n");
    EXPECT_FALSE(repl_chat_request(s, nullptr).contains("format"));
    EXPECT_EQ(repl_handle_line(s, "/set think high", false).out, "Set 'think' mode to 'high'.\n");
    EXPECT_EQ(repl_chat_request(s, nullptr)["think"], "high");
    EXPECT_EQ(repl_handle_line(s, "/set nothink", false).out, "Set 'nothink' mode.\n");
    EXPECT_EQ(repl_handle_line(s, "/set nohistory", false).out, "");
    EXPECT_FALSE(s.history);
    EXPECT_EQ(repl_handle_line(s, "/set color on", false).out, "Unknown command '/set color'. Type /? for help\n");
    EXPECT_NE(repl_handle_line(s, "/set", false).err.find("/set parameter ..."), std::string::npos);
}

TEST(cli_repl, help_show_exit_and_unknown) {
    repl_session s = session();
    EXPECT_NE(repl_handle_line(s, "/?", false).err.find("Available Commands:"), std::string::npos);
    EXPECT_NE(repl_handle_line(s, "/help", false).err.find("/bye"), std::string::npos);
    EXPECT_NE(repl_handle_line(s, "/? shortcuts", false).err.find("Ctrl + d"), std::string::npos);
    EXPECT_NE(repl_handle_line(s, "/? show", false).err.find("/show modelfile"), std::string::npos);
    EXPECT_NE(repl_handle_line(s, "/show", false).err.find("/show info"), std::string::npos);
    repl_action a = repl_handle_line(s, "/show parameters", false);
    EXPECT_EQ(a.kind, repl_action_kind::show);
    EXPECT_EQ(a.arg, "parameters");
    EXPECT_EQ(repl_handle_line(s, "/bye", false).kind, repl_action_kind::exit);
    EXPECT_EQ(repl_handle_line(s, "/exit", false).kind, repl_action_kind::exit);
    a = repl_handle_line(s, "/frobnicate now", false);
    EXPECT_EQ(a.out, "Unknown command '/frobnicate'. Type /? for help\n");
    EXPECT_TRUE(s.messages.empty());
    EXPECT_EQ(repl_handle_line(s, "/load", false).out, "Usage:\n  /load <modelname>\n");
    a = repl_handle_line(s, "/save mine", false);
    EXPECT_EQ(a.kind, repl_action_kind::save);
    EXPECT_EQ(a.arg, "mine");
}

TEST(cli_repl, pasted_lines_are_collected_into_one_message) {
    repl_session s = session();
    EXPECT_EQ(repl_handle_line(s, "first line", true).kind, repl_action_kind::none);
    EXPECT_EQ(repl_handle_line(s, "/not a command while pasting", true).kind, repl_action_kind::none);
    EXPECT_EQ(repl_handle_line(s, "last", false).kind, repl_action_kind::chat);
    EXPECT_EQ(s.messages.back()["content"], "first line\n/not a command while pasting\nlast");
}

TEST(cli_repl, interrupt_drops_partial_input) {
    repl_session s = session();
    repl_handle_line(s, "\"\"\"half", false);
    EXPECT_EQ(repl_interrupt(s), "\nUse Ctrl + d or /bye to exit.\n");
    EXPECT_EQ(s.multiline, multiline_mode::none);
    EXPECT_FALSE(s.use_alt_prompt);
    EXPECT_EQ(repl_handle_line(s, "fresh", false).kind, repl_action_kind::chat);
    EXPECT_EQ(s.messages.back()["content"], "fresh");
}

TEST(cli_repl, show_texts) {
    repl_session s = session();
    const json show = {{"parameters", "num_ctx                        4096"}, {"template", "{{ .Prompt }}"},
                       {"license", ""}, {"modelfile", "FROM x"}, {"system", "Be nice."}};
    std::string err;
    EXPECT_EQ(repl_show_text("template", show, s, err), "{{ .Prompt }}\n");
    EXPECT_EQ(repl_show_text("license", show, s, err), "No license was specified for this model.\n");
    EXPECT_EQ(repl_show_text("system", show, s, err), "Be nice.\n\n");
    s.system = "Mine.";
    EXPECT_EQ(repl_show_text("system", show, s, err), "Mine.\n\n");
    s.options["temperature"] = 0.5;
    const std::string params = repl_show_text("parameters", show, s, err);
    EXPECT_NE(params.find("Model defined parameters:\n  num_ctx"), std::string::npos) << params;
    EXPECT_NE(params.find("User defined parameters:\n  temperature                    0.5\n"), std::string::npos)
        << params;
    EXPECT_EQ(repl_show_text("nonsense", show, s, err), "Unknown command '/show nonsense'. Type /? for help\n");
    EXPECT_EQ(repl_show_text("info", show, s, err), "");
    EXPECT_NE(err.find("  Model\n"), std::string::npos);
}

TEST(cli_repl, save_request) {
    repl_session s = session();
    s.parent_model = "base:latest";
    s.loaded_messages = json::array({{{"role", "user"}, {"content", "earlier"}}});
    repl_handle_line(s, "/set system Be nice.", false);
    repl_handle_line(s, "/set parameter seed 7", false);
    const json req = repl_save_request(s, "mine");
    EXPECT_EQ(req["model"], "mine");
    EXPECT_EQ(req["from"], "base:latest");
    EXPECT_EQ(req["system"], "Be nice.");
    EXPECT_EQ(req["parameters"]["seed"], 7);
    EXPECT_EQ(req["messages"].size(), 2u);
}
