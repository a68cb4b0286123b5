// Flag parsing with pflag's rules and cobra's error wording.
#include "cli/command.h"

#include <algorithm>

namespace lokal::cli {

namespace {

const flag_spec help_flag{"help", 'h', "", "help for", "", false};

const flag_spec * find_long(const command_spec & spec, std::string_view name) {
    if (name == "help") return &help_flag;
    for (const auto & f : spec.flags) {
        if (f.name == name) return &f;
    }
    return nullptr;
}

const flag_spec * find_short(const command_spec & spec, char c) {
    if (c == 'h') return &help_flag;
    for (const auto & f : spec.flags) {
        if (f.shorthand == c) return &f;
    }
    return nullptr;
}

result<std::string> bool_value(const std::string & flag, const std::string & text) {
    static const char * truthy[] = {"1", "t", "T", "true", "TRUE", "True"};
    static const char * falsy[] = {"0", "f", "F", "false", "FALSE", "False"};
    for (const char * t : truthy) {
        if (text == t) return std::string("true");
    }
    for (const char * f : falsy) {
        if (text == f) return std::string("false");
    }
    return make_error(errc::invalid_request,
                      "invalid argument \"" + text + "\" for \"" + flag + "\" flag: expected true or false");
}

// One "--name[=value]" token; may consume the next argument as the value.
status parse_long(const command_spec & spec, const std::vector<std::string> & argv, size_t & i, parsed_args & out) {
    std::string body = argv[i].substr(2);
    std::optional<std::string> inline_value;
    if (auto eq = body.find('='); eq != std::string::npos) {
        inline_value = body.substr(eq + 1);
        body = body.substr(0, eq);
    }
    const flag_spec * f = find_long(spec, body);
    if (!f) return make_error(errc::invalid_request, "unknown flag: --" + body);
    if (!f->takes_value()) {
        auto v = bool_value("--" + f->name, inline_value.value_or("true"));
        if (!v) return v.err();
        out.flags[f->name] = *v;
        return {};
    }
    if (inline_value) {
        out.flags[f->name] = *inline_value;
    } else if (!f->bare_value.empty()) {
        out.flags[f->name] = f->bare_value;
    } else if (i + 1 < argv.size()) {
        out.flags[f->name] = argv[++i];
    } else {
        return make_error(errc::invalid_request, "flag needs an argument: --" + f->name);
    }
    return {};
}

// One "-abc" / "-fvalue" / "-f value" / "-f=value" token.
status parse_short(const command_spec & spec, const std::vector<std::string> & argv, size_t & i, parsed_args & out) {
    const std::string token = argv[i];
    for (size_t k = 1; k < token.size(); ++k) {
        const char c = token[k];
        const flag_spec * f = find_short(spec, c);
        if (!f) {
            return make_error(errc::invalid_request,
                              std::string("unknown shorthand flag: '") + c + "' in " + token);
        }
        if (!f->takes_value()) {
            if (k + 1 < token.size() && token[k + 1] == '=') {
                auto v = bool_value(std::string("-") + c, token.substr(k + 2));
                if (!v) return v.err();
                out.flags[f->name] = *v;
                return {};
            }
            out.flags[f->name] = "true";
            continue;
        }
        std::string rest = token.substr(k + 1);
        if (!rest.empty()) {
            out.flags[f->name] = rest.front() == '=' ? rest.substr(1) : rest;
        } else if (!f->bare_value.empty()) {
            out.flags[f->name] = f->bare_value;
        } else if (i + 1 < argv.size()) {
            out.flags[f->name] = argv[++i];
        } else {
            return make_error(errc::invalid_request,
                              std::string("flag needs an argument: '") + c + "' in -" + c);
        }
        return {};
    }
    return {};
}

}  // namespace

bool parsed_args::enabled(const std::string & name) const {
    auto it = flags.find(name);
    return it != flags.end() && it->second == "true";
}

std::string parsed_args::value(const std::string & name, const std::string & fallback) const {
    auto it = flags.find(name);
    return it == flags.end() ? fallback : it->second;
}

bool command_spec::matches(const std::string & word) const {
    return word == name || std::find(aliases.begin(), aliases.end(), word) != aliases.end();
}

const command_spec * find_command(const std::vector<command_spec> & commands, const std::string & word) {
    for (const auto & c : commands) {
        if (c.matches(word)) return &c;
    }
    return nullptr;
}

std::optional<std::string> check_arg_count(const command_spec & spec, size_t count) {
    const auto n = static_cast<int>(count);
    if (spec.max_args == 0 && n > 0) return std::nullopt;  // reported by the caller as an unknown command
    if (spec.min_args == spec.max_args && n != spec.min_args) {
        return "accepts " + std::to_string(spec.min_args) + " arg(s), received " + std::to_string(n);
    }
    if (n < spec.min_args) {
        return "requires at least " + std::to_string(spec.min_args) + " arg(s), only received " + std::to_string(n);
    }
    if (spec.max_args >= 0 && n > spec.max_args) {
        return "accepts at most " + std::to_string(spec.max_args) + " arg(s), received " + std::to_string(n);
    }
    return std::nullopt;
}

result<parsed_args> parse_args(const command_spec & spec, const std::vector<std::string> & argv) {
    parsed_args out;
    bool only_positional = false;
    for (size_t i = 0; i < argv.size(); ++i) {
        const std::string & a = argv[i];
        if (only_positional || a.size() < 2 || a[0] != '-') {
            out.positional.push_back(a);
            continue;
        }
        if (a == "--") {
            only_positional = true;
            continue;
        }
        status st = a[1] == '-' ? parse_long(spec, argv, i, out) : parse_short(spec, argv, i, out);
        if (!st) return st.err();
    }
    if (out.enabled("help")) return out;
    if (spec.max_args == 0 && !out.positional.empty()) {
        return make_error(errc::invalid_request,
                          "unknown command \"" + out.positional[0] + "\" for \"lokal " + spec.name + "\"");
    }
    if (auto msg = check_arg_count(spec, out.positional.size())) return make_error(errc::invalid_request, *msg);
    return out;
}

}  // namespace lokal::cli
