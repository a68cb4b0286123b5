// `--help` texts, laid out as cobra lays out Ollama's.
#include "cli/command.h"

#include <algorithm>

namespace lokal::cli {

namespace {

std::string flag_usages(const command_spec & spec) {
    std::vector<flag_spec> flags;
    for (const auto & f : spec.flags) {
        if (!f.hidden) flags.push_back(f);
    }
    flags.push_back({"help", 'h', "", "help for " + spec.name, "", false});
    std::sort(flags.begin(), flags.end(), [](const flag_spec & a, const flag_spec & b) { return a.name < b.name; });

    std::vector<std::pair<std::string, std::string>> lines;
    size_t width = 0;
    for (const auto & f : flags) {
        std::string left = f.shorthand ? std::string("  -") + f.shorthand + ", --" + f.name : "      --" + f.name;
        if (f.takes_value()) left += " " + f.value_type;
        if (!f.bare_value.empty()) left += "[=\"" + f.bare_value + "\"]";
        width = std::max(width, left.size());
        lines.emplace_back(left, f.help);
    }
    std::string out;
    for (auto & [left, help] : lines) {
        left.resize(width, ' ');
        out += left + "   " + help + "\n";
    }
    return out;
}

std::string environment_section(const command_spec & spec) {
    if (spec.server_help) return "\n" + config::help_table();
    std::string out = "\nEnvironment Variables:\n";
    for (const auto & v : config::variables()) {
        if (std::string_view(v.name) != "LOKAL_HOST") continue;
        std::string name = v.name;
        name.resize(std::max<size_t>(name.size(), 27), ' ');
        out += "      " + name + "   " + v.help + " (default " + v.default_text + ")\n";
    }
    return out;
}

}  // namespace

std::string command_help(const command_spec & spec) {
    std::string out = (spec.description.empty() ? spec.summary : spec.description) + "\n\n";
    out += "Usage:\n  lokal " + spec.usage + " [flags]\n";
    if (!spec.aliases.empty()) {
        out += "\nAliases:\n  " + spec.name;
        for (const auto & a : spec.aliases) out += ", " + a;
        out += "\n";
    }
    if (!spec.examples.empty()) out += "\nExamples:\n" + spec.examples + "\n";
    out += "\nFlags:\n" + flag_usages(spec);
    out += environment_section(spec);
    return out;
}

std::string root_help(const std::vector<command_spec> & commands) {
    std::string out =
        "Large language model runner: an Ollama-compatible server and its command-line client\n\n"
        "Usage:\n"
        "  lokal [flags]\n"
        "  lokal [command]\n\n"
        "Available Commands:\n";
    size_t width = 11;
    for (const auto & c : commands) width = std::max(width, c.name.size());
    auto row = [&](std::string name, const std::string & summary) {
        name.resize(width, ' ');
        out += "  " + name + " " + summary + "\n";
    };
    for (const auto & c : commands) row(c.name, c.summary);
    row("help", "Help about any command");
    out +=
        "\nFlags:\n"
        "  -h, --help      help for lokal\n"
        "  -v, --version   Show version information\n"
        "\nUse \"lokal [command] --help\" for more information about a command.\n";
    return out;
}

}  // namespace lokal::cli
