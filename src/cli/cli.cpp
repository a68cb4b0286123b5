#include "cli/cli.h"

#include "cli/commands.h"
#include "client/client.h"

#include <iostream>

namespace lokal::cli {

namespace {

int fail(const std::string & message) {
    std::cerr << "Error: " << message << "\n";
    return 1;
}

// `lokal help [COMMAND]`.
int print_help(const std::vector<command_spec> & commands, const std::vector<std::string> & rest) {
    if (rest.empty()) {
        std::cout << root_help(commands);
        return 0;
    }
    const command_spec * spec = find_command(commands, rest[0]);
    if (!spec) {
        std::cout << "Unknown help topic [`" << rest[0] << "`]\n" << root_help(commands);
        return 0;
    }
    std::cout << command_help(*spec);
    return 0;
}

int run_root_flags(const std::vector<command_spec> & commands, const std::string & flag) {
    if (flag == "-h" || flag == "--help") {
        std::cout << root_help(commands);
        return 0;
    }
    if (flag == "-v" || flag == "--version") {
        auto settings = config::load_from_process_env();
        if (!settings) return fail(settings.err().message);
        std::cout << version_text(*settings);
        return 0;
    }
    std::string name = flag.substr(flag.find_first_not_of('-'));
    if (flag.rfind("--", 0) == 0) return fail("unknown flag: " + flag);
    return fail("unknown shorthand flag: '" + name.substr(0, 1) + "' in " + flag);
}

}  // namespace

std::string version_text(const config::settings & settings) {
    client::client c(settings.base_url(), settings.api_key);
    auto v = c.server_version();
    std::string server = v ? *v : "";
    std::string out;
    if (!v) out += "Warning: could not connect to a running lokal instance\n";
    if (!server.empty()) out += "lokal version is " + server + "\n";
    if (server != LOKAL_VERSION) out += std::string("Warning: client version is ") + LOKAL_VERSION + "\n";
    return out;
}

int cli_main(int argc, char ** argv, const serve_function & serve) {
    const std::vector<command_spec> commands = command_table();
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty()) {
        std::cout << root_help(commands);
        return 0;
    }
    if (args[0] == "help") return print_help(commands, {args.begin() + 1, args.end()});
    if (args[0].size() > 1 && args[0][0] == '-') return run_root_flags(commands, args[0]);

    const command_spec * spec = find_command(commands, args[0]);
    if (!spec) {
        std::cerr << "Error: unknown command \"" << args[0] << "\" for \"lokal\"\n"
                  << "Run 'lokal --help' for usage.\n";
        return 1;
    }
    auto parsed = parse_args(*spec, {args.begin() + 1, args.end()});
    if (!parsed) return fail(parsed.err().message);
    if (parsed->enabled("help")) {
        std::cout << command_help(*spec);
        return 0;
    }

    auto settings = config::load_from_process_env();
    if (!settings) return fail(settings.err().message);
    context ctx{*settings, serve, 0};
    status st = spec->handler(ctx, *parsed);
    std::cout.flush();
    if (!st) return fail(st.err().message);
    return ctx.exit_code;
}

}  // namespace lokal::cli
