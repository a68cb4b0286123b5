#include "cli/command.h"
#include "cli/commands.h"

#include <gtest/gtest.h>

using namespace lokal;
using namespace lokal::cli;

namespace {

command_spec run_like() {
    command_spec s;
    s.name = "run";
    s.usage = "run MODEL [PROMPT]";
    s.summary = "Run a model";
    s.min_args = 1;
    flag_spec verbose;
    verbose.name = "verbose";
    verbose.help = "Show timings";
    flag_spec format;
    format.name = "format";
    format.value_type = "string";
    format.help = "Response format";
    flag_spec file;
    file.name = "file";
    file.shorthand = 'f';
    file.value_type = "string";
    file.help = "Modelfile";
    flag_spec think;
    think.name = "think";
    think.value_type = "string";
    think.bare_value = "true";
    think.help = "Thinking";
    flag_spec quiet;
    quiet.name = "quiet";
    quiet.shorthand = 'q';
    quiet.help = "Quiet";
    s.flags = {verbose, format, file, think, quiet};
    return s;
}

}  // namespace

TEST(cli_args, positional_and_flags_in_any_order) {
    auto r = parse_args(run_like(), {"--verbose", "m", "hello", "--format", "json", "world"});
    ASSERT_TRUE(r.ok()) << r.err().message;
    EXPECT_EQ(r->positional, (std::vector<std::string>{"m", "hello", "world"}));
    EXPECT_TRUE(r->enabled("verbose"));
    EXPECT_EQ(r->value("format"), "json");
}

TEST(cli_args, equals_forms_and_short_flags) {
    auto r = parse_args(run_like(), {"m", "--format=json", "-fModelfile.x", "--verbose=false", "-q"});
    ASSERT_TRUE(r.ok()) << r.err().message;
    EXPECT_EQ(r->value("format"), "json");
    EXPECT_EQ(r->value("file"), "Modelfile.x");
    EXPECT_TRUE(r->has("verbose"));
    EXPECT_FALSE(r->enabled("verbose"));
    EXPECT_TRUE(r->enabled("quiet"));

    auto r2 = parse_args(run_like(), {"m", "-f", "path", "-f=other"});
    ASSERT_TRUE(r2.ok());
    EXPECT_EQ(r2->value("file"), "other");
}

TEST(cli_args, bare_value_flag) {
    auto r = parse_args(run_like(), {"m", "--think", "prompt"});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->value("think"), "true");
    EXPECT_EQ(r->positional, (std::vector<std::string>{"m", "prompt"}));
    auto r2 = parse_args(run_like(), {"m", "--think=high"});
    ASSERT_TRUE(r2.ok());
    EXPECT_EQ(r2->value("think"), "high");
}

TEST(cli_args, double_dash_ends_flags) {
    auto r = parse_args(run_like(), {"m", "--", "--verbose", "-x"});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->positional, (std::vector<std::string>{"m", "--verbose", "-x"}));
    EXPECT_FALSE(r->has("verbose"));
}

TEST(cli_args, errors_worded_as_cobra) {
    auto unknown = parse_args(run_like(), {"m", "--nope"});
    ASSERT_FALSE(unknown.ok());
    EXPECT_EQ(unknown.err().message, "unknown flag: --nope");

    auto short_unknown = parse_args(run_like(), {"m", "-z"});
    ASSERT_FALSE(short_unknown.ok());
    EXPECT_EQ(short_unknown.err().message, "unknown shorthand flag: 'z' in -z");

    auto missing = parse_args(run_like(), {"m", "--format"});
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.err().message, "flag needs an argument: --format");

    auto bad_bool = parse_args(run_like(), {"m", "--verbose=maybe"});
    ASSERT_FALSE(bad_bool.ok());

    auto too_few = parse_args(run_like(), {});
    ASSERT_FALSE(too_few.ok());
    EXPECT_EQ(too_few.err().message, "requires at least 1 arg(s), only received 0");
}

TEST(cli_args, exact_counts_and_help) {
    command_spec cp;
    cp.name = "cp";
    cp.min_args = cp.max_args = 2;
    auto r = parse_args(cp, {"a"});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.err().message, "accepts 2 arg(s), received 1");
    // --help is accepted whatever the arguments
    auto h = parse_args(cp, {"--help"});
    ASSERT_TRUE(h.ok());
    EXPECT_TRUE(h->enabled("help"));
    auto h2 = parse_args(cp, {"-h", "x", "y", "z"});
    ASSERT_TRUE(h2.ok());

    command_spec serve;
    serve.name = "serve";
    serve.max_args = 0;
    auto s = parse_args(serve, {"extra"});
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.err().message, "unknown command \"extra\" for \"lokal serve\"");
}

TEST(cli_help, command_help_has_cobra_sections) {
    const auto commands = command_table();
    const command_spec * run = find_command(commands, "run");
    ASSERT_NE(run, nullptr);
    const std::string h = command_help(*run);
    EXPECT_NE(h.find("Usage:\n  lokal run MODEL [PROMPT] [flags]\n"), std::string::npos) << h;
    EXPECT_NE(h.find("Examples:\n"), std::string::npos);
    EXPECT_NE(h.find("\nFlags:\n"), std::string::npos);
    const std::string flags = h.substr(h.find("\nFlags:\n"));
    // names padded to one column, then three spaces, then the help
    EXPECT_NE(flags.find("      --format string           Response format"), std::string::npos) << flags;
    EXPECT_NE(flags.find("  -h, --help                    help for run\n"), std::string::npos) << flags;
    EXPECT_NE(flags.find("      --think string[=\"true\"]   Enable thinking"), std::string::npos) << flags;
    EXPECT_NE(h.find("Environment Variables:\n      LOKAL_HOST"), std::string::npos) << h;
    // flags are sorted by name, as pflag prints them
    EXPECT_LT(flags.find("--format"), flags.find("--keepalive"));
    EXPECT_LT(flags.find("--keepalive"), flags.find("--verbose"));
}

TEST(cli_help, serve_help_lists_every_setting) {
    const auto commands = command_table();
    const std::string h = command_help(*find_command(commands, "serve"));
    for (const auto & v : config::variables()) EXPECT_NE(h.find(v.name), std::string::npos) << v.name;
}

TEST(cli_help, aliases_and_root) {
    const auto commands = command_table();
    EXPECT_EQ(find_command(commands, "ls"), find_command(commands, "list"));
    EXPECT_NE(command_help(*find_command(commands, "ls")).find("Aliases:\n  list, ls\n"), std::string::npos);
    const std::string root = root_help(commands);
    for (const char * name : {"serve", "create", "show", "run", "stop", "pull", "push", "list", "ps", "cp", "rm"}) {
        EXPECT_NE(root.find(std::string("\n  ") + name + " "), std::string::npos) << name;
    }
    EXPECT_NE(root.find("  -v, --version   Show version information\n"), std::string::npos);
}
