// The command table and its flag parser: a small, dependency-free take on
// what Ollama gets from cobra/pflag, so usage, help layout and error wording
// match what Ollama's users know.
#pragma once

#include "config/config.h"
#include "core/result.h"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lokal::cli {

struct flag_spec {
    std::string name;        // long name, without "--"
    char shorthand = 0;      // 'f' for -f; 0 for none
    std::string value_type;  // "string", "duration"...; empty: a boolean switch
    std::string help;
    // For a value flag: what a bare "--name" means (pflag's NoOptDefVal);
    // a different value then needs "--name=value".
    std::string bare_value;
    bool hidden = false;

    bool takes_value() const { return !value_type.empty(); }
};

// What the parser found: positional arguments in order, and the flags that
// were given (a boolean switch maps to "true" or "false").
struct parsed_args {
    std::vector<std::string> positional;
    std::map<std::string, std::string> flags;

    bool has(const std::string & name) const { return flags.count(name) > 0; }
    bool enabled(const std::string & name) const;  // a boolean switch set to true
    std::string value(const std::string & name, const std::string & fallback = "") const;
};

struct command_spec;

// Everything a subcommand needs from the outside world.
struct context {
    config::settings settings;
    // `lokal serve`: injected by main.cpp so the CLI library does not depend
    // on the server's.
    std::function<int(const config::settings &)> serve;
    int exit_code = 0;  // set by a handler that succeeds with a non-zero code (serve)
};

using command_handler = std::function<status(context &, const parsed_args &)>;

struct command_spec {
    std::string name;
    std::vector<std::string> aliases;
    std::string usage;        // after the program name: "run MODEL [PROMPT]"
    std::string summary;      // one line, for the command list
    std::string description;  // paragraphs for `--help`; summary when empty
    std::string examples;     // indented example lines, may be empty
    std::vector<flag_spec> flags;
    int min_args = 0;
    int max_args = -1;         // -1: no limit
    bool server_help = false;  // `--help` lists every LOKAL_* variable, not just LOKAL_HOST
    command_handler handler;

    bool matches(const std::string & word) const;
};

// Parses argv after the subcommand name. `-h/--help` is always accepted and
// reported as the flag "help". Flags may come before, between or after
// positional arguments; "--" ends flag parsing. Argument counts are checked
// against min_args/max_args unless help was asked for.
result<parsed_args> parse_args(const command_spec & spec, const std::vector<std::string> & argv);

// cobra's wording for a wrong number of arguments.
std::optional<std::string> check_arg_count(const command_spec & spec, size_t count);

const command_spec * find_command(const std::vector<command_spec> & commands, const std::string & word);

// `lokal CMD --help` and `lokal --help`.
std::string command_help(const command_spec & spec);
std::string root_help(const std::vector<command_spec> & commands);

}  // namespace lokal::cli
