#include "cli/repl.h"

#include "cli/params.h"
#include "cli/views.h"

#include <sstream>
#include <vector>

namespace lokal::cli {

namespace {

std::vector<std::string> fields(const std::string & line) {
    std::istringstream in(line);
    std::vector<std::string> out;
    for (std::string f; in >> f;) out.push_back(f);
    return out;
}

bool starts_with(const std::string & s, std::string_view prefix) { return s.rfind(prefix, 0) == 0; }

bool cut_suffix(std::string & s, std::string_view suffix) {
    if (s.size() < suffix.size() || s.compare(s.size() - suffix.size(), suffix.size(), suffix) != 0) return false;
    s.resize(s.size() - suffix.size());
    return true;
}

// Go's %q of a plain message.
std::string go_quote(const std::string & s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

const char * const usage_set_text =
    "Available Commands:\n"
    "  /set parameter ...     Set a parameter\n"
    "  /set system <string>   Set system message\n"
    "  /set history           Enable history\n"
    "  /set nohistory         Disable history\n"
    "  /set wordwrap          Enable wordwrap\n"
    "  /set nowordwrap        Disable wordwrap\n"
    "  /set format json       Enable JSON mode\n"
    "  /set noformat          Disable formatting\n"
    "  /set verbose           Show LLM stats\n"
    "  /set quiet             Disable LLM stats\n"
    "  /set think             Enable thinking\n"
    "  /set nothink           Disable thinking\n"
    "\n";

const char * const usage_show_text =
    "Available Commands:\n"
    "  /show info         Show details for this model\n"
    "  /show license      Show model license\n"
    "  /show modelfile    Show Modelfile for this model\n"
    "  /show parameters   Show parameters for this model\n"
    "  /show system       Show system message\n"
    "  /show template     Show prompt template\n"
    "\n";

const char * const usage_shortcuts_text =
    "Available keyboard shortcuts:\n"
    "  Ctrl + a            Move to the beginning of the line (Home)\n"
    "  Ctrl + e            Move to the end of the line (End)\n"
    "   Alt + b            Move back (left) one word\n"
    "   Alt + f            Move forward (right) one word\n"
    "  Ctrl + k            Delete the sentence after the cursor\n"
    "  Ctrl + u            Delete the sentence before the cursor\n"
    "  Ctrl + w            Delete the word before the cursor\n"
    "\n"
    "  Ctrl + l            Clear the screen\n"
    "  Ctrl + c            Stop the model from responding\n"
    "  Ctrl + d            Exit lokal (/bye)\n"
    "\n";

const char * const usage_parameters_text =
    "Available Parameters:\n"
    "  /set parameter seed <int>             Random number seed\n"
    "  /set parameter num_predict <int>      Max number of tokens to predict\n"
    "  /set parameter top_k <int>            Pick from top k num of tokens\n"
    "  /set parameter top_p <float>          Pick token based on sum of probabilities\n"
    "  /set parameter min_p <float>          Pick token based on top token probability * min_p\n"
    "  /set parameter num_ctx <int>          Set the context size\n"
    "  /set parameter temperature <float>    Set creativity level\n"
    "  /set parameter repeat_penalty <float> How strongly to penalize repetitions\n"
    "  /set parameter repeat_last_n <int>    Set how far back to look for repetitions\n"
    "  /set parameter num_gpu <int>          The number of layers to send to the GPU\n"
    "  /set parameter stop <string> <string> ...   Set the stop parameters\n"
    "\n";

// The system message replaces a trailing system message or is appended.
void set_system(repl_session & s, const std::string & text, bool replace_last) {
    s.system = text;
    json msg = {{"role", "system"}, {"content", text}};
    if (replace_last && !s.messages.empty() && s.messages.back().value("role", "") == "system") {
        s.messages.back() = msg;
    } else {
        s.messages.push_back(msg);
    }
}

void handle_set_system(repl_session & s, const std::vector<std::string> & args, repl_action & a) {
    std::string text;
    for (size_t i = 2; i < args.size(); ++i) text += (i > 2 ? " " : "") + args[i];
    s.multiline = multiline_mode::none;
    if (starts_with(text, "\"\"\"")) {
        text = text.substr(3);
        if (!cut_suffix(text, "\"\"\"")) s.multiline = multiline_mode::system;
    }
    s.pending += text;
    if (s.multiline != multiline_mode::none) {
        s.pending += "\n";
        s.use_alt_prompt = true;
        return;
    }
    set_system(s, s.pending, true);
    s.pending.clear();
    a.out = "Set system message.\n";
}

void handle_set_parameter(repl_session & s, const std::vector<std::string> & args, repl_action & a) {
    if (args.size() < 4) {
        a.err = usage_parameters_text;
        return;
    }
    std::vector<std::string> values(args.begin() + 3, args.end());
    auto v = typed_parameter(args[2], values);
    if (!v) {
        a.out = "Couldn't set parameter: " + go_quote(v.err().message) + "\n";
        return;
    }
    std::string joined;
    for (size_t i = 0; i < values.size(); ++i) joined += (i ? ", " : "") + values[i];
    a.out = "Set parameter '" + args[2] + "' to '" + joined + "'\n";
    s.options[args[2]] = *v;
}

void handle_set(repl_session & s, const std::string & line, repl_action & a) {
    const auto args = fields(line);
    if (args.size() < 2) {
        a.err = usage_set_text;
        return;
    }
    const std::string & what = args[1];
    if (what == "history" || what == "nohistory") {
        s.history = what == "history";
    } else if (what == "wordwrap" || what == "nowordwrap") {
        s.word_wrap = what == "wordwrap";
        a.out = "Set '" + what + "' mode.\n";
    } else if (what == "verbose" || what == "quiet") {
        s.verbose = what == "verbose";
        a.out = "Set '" + what + "' mode.\n";
    } else if (what == "think") {
        s.think = args.size() > 2 ? json(args[2]) : json(true);
        a.out = args.size() > 2 ? "Set 'think' mode to '" + args[2] + "'.\n" : "Set 'think' mode.\n";
    } else if (what == "nothink") {
        s.think = false;
        a.out = "Set 'nothink' mode.\n";
    } else if (what == "format") {
        if (args.size() < 3 || args[2] != "json") {
            a.out = "Invalid or missing format. For 'json' mode use '/set format json'\n";
        } else {
            s.format = "json";
            a.out = "Set format to 'json' mode.\n";
        }
    } else if (what == "noformat") {
        s.format.clear();
        a.out = "Disabled format.\n";
    } else if (what == "parameter") {
        handle_set_parameter(s, args, a);
    } else if (what == "system") {
        if (args.size() < 3) {
            a.err = usage_set_text;
            return;
        }
        handle_set_system(s, args, a);
    } else {
        a.out = "Unknown command '/set " + what + "'. Type /? for help\n";
    }
}

void handle_help(const std::string & line, repl_action & a) {
    const auto args = fields(line);
    if (args.size() < 2) {
        a.err = repl_usage();
        return;
    }
    const std::string & topic = args[1];
    if (topic == "set" || topic == "/set") a.err = usage_set_text;
    if (topic == "show" || topic == "/show") a.err = usage_show_text;
    if (topic == "shortcut" || topic == "shortcuts") a.err = usage_shortcuts_text;
}

// A line typed while a """ block is open.
repl_action continue_multiline(repl_session & s, std::string line) {
    repl_action a;
    const bool closed = cut_suffix(line, "\"\"\"");
    s.pending += line;
    if (!closed) {
        s.pending += "\n";
        s.use_alt_prompt = true;
        return a;
    }
    const multiline_mode mode = s.multiline;
    s.multiline = multiline_mode::none;
    s.use_alt_prompt = false;
    if (mode == multiline_mode::system) {
        set_system(s, s.pending, false);
        s.pending.clear();
        a.out = "Set system message.\n";
    }
    return a;
}

// Commands that need the server or end the session.
bool handle_session_command(repl_session & s, const std::string & line, repl_action & a) {
    const auto args = fields(line);
    if (starts_with(line, "/list")) {
        a.kind = repl_action_kind::list;
        a.arg = args.size() > 1 ? args[1] : "";
    } else if (starts_with(line, "/load") || starts_with(line, "/save")) {
        const bool load = starts_with(line, "/load");
        if (args.size() != 2) {
            a.out = load ? "Usage:\n  /load <modelname>\n" : "Usage:\n  /save <modelname>\n";
            return true;
        }
        a.kind = load ? repl_action_kind::load : repl_action_kind::save;
        a.arg = args[1];
    } else if (starts_with(line, "/clear")) {
        s.messages = json::array();
        if (!s.system.empty()) s.messages.push_back({{"role", "system"}, {"content", s.system}});
        a.out = "Cleared session context\n";
    } else if (starts_with(line, "/show")) {
        if (args.size() < 2) {
            a.err = usage_show_text;
        } else {
            a.kind = repl_action_kind::show;
            a.arg = args[1];
        }
    } else if (starts_with(line, "/exit") || starts_with(line, "/bye")) {
        a.kind = repl_action_kind::exit;
    } else {
        return false;
    }
    return true;
}

}  // namespace

std::string repl_usage() {
    return "Available Commands:\n"
           "  /set            Set session variables\n"
           "  /show           Show model information\n"
           "  /load <model>   Load a session or model\n"
           "  /save <model>   Save your current session\n"
           "  /clear          Clear session context\n"
           "  /bye            Exit\n"
           "  /?, /help       Help for a command\n"
           "  /? shortcuts    Help for keyboard shortcuts\n"
           "\n"
           "Use \"\"\" to begin a multi-line message.\n"
           "\n";
}

repl_action repl_handle_line(repl_session & s, const std::string & line, bool pasting) {
    if (s.multiline != multiline_mode::none) {
        repl_action a = continue_multiline(s, line);
        if (s.multiline != multiline_mode::none || s.pending.empty()) return a;
        // A closed prompt block is sent like any message (below).
    } else if (starts_with(line, "\"\"\"")) {
        std::string rest = line.substr(3);
        const bool closed = cut_suffix(rest, "\"\"\"");
        s.pending += rest;
        if (!closed) {
            s.pending += "\n";
            s.multiline = multiline_mode::prompt;
            s.use_alt_prompt = true;
            return {};
        }
    } else if (pasting) {
        s.pending += line + "\n";  // a paste is one message: keep collecting
        return {};
    } else if (starts_with(line, "/")) {
        repl_action a;
        if (starts_with(line, "/set")) {
            handle_set(s, line, a);
        } else if (starts_with(line, "/help") || starts_with(line, "/?")) {
            handle_help(line, a);
        } else if (!handle_session_command(s, line, a)) {
            a.out = "Unknown command '" + fields(line)[0] + "'. Type /? for help\n";
        }
        return a;
    } else {
        s.pending += line;
    }

    repl_action a;
    if (s.pending.empty()) return a;
    s.messages.push_back({{"role", "user"}, {"content", s.pending}});
    s.pending.clear();
    a.kind = repl_action_kind::chat;
    return a;
}

std::string repl_interrupt(repl_session & s) {
    s.pending.clear();
    s.multiline = multiline_mode::none;
    s.use_alt_prompt = false;
    return "\nUse Ctrl + d or /bye to exit.\n";
}

std::string repl_show_text(const std::string & topic, const json & show, const repl_session & s, std::string & err) {
    auto text = [&](const char * key) { return show.value(key, json("")).is_string() ? show.value(key, "") : ""; };
    if (topic == "info") {
        err = format_show_info(show, false);
        return "";
    }
    if (topic == "license") {
        return text("license").empty() ? "No license was specified for this model.\n" : text("license") + "\n";
    }
    if (topic == "modelfile") return text("modelfile") + "\n";
    if (topic == "parameters") {
        std::string out = "Model defined parameters:\n";
        if (text("parameters").empty()) {
            out += "  No additional parameters were specified for this model.\n";
        } else {
            std::istringstream in(text("parameters"));
            for (std::string l; std::getline(in, l);) out += "  " + l + "\n";
        }
        out += "\n";
        if (!s.options.empty()) {
            out += "User defined parameters:\n";
            for (auto it = s.options.begin(); it != s.options.end(); ++it) {
                std::string key = it.key();
                key.resize(std::max<size_t>(key.size(), 30), ' ');
                const json & v = it.value();
                out += "  " + key + " " + (v.is_string() ? v.get<std::string>() : go_value_text(v)) + "\n";
            }
            out += "\n";
        }
        return out;
    }
    if (topic == "system") {
        if (!s.system.empty()) return s.system + "\n\n";
        if (!text("system").empty()) return text("system") + "\n\n";
        return "No system message was specified for this model.\n";
    }
    if (topic == "template") {
        return text("template").empty() ? "No prompt template was specified for this model.\n" : text("template") + "\n";
    }
    return "Unknown command '/show " + topic + "'. Type /? for help\n";
}

json repl_chat_request(const repl_session & s, const json & keep_alive) {
    json req = {{"model", s.model}, {"messages", s.messages}};
    if (!s.format.empty()) req["format"] = s.format;
    if (!s.options.empty()) req["options"] = s.options;
    if (!s.think.is_null()) req["think"] = s.think;
    if (!keep_alive.is_null()) req["keep_alive"] = keep_alive;
    return req;
}

json repl_save_request(const repl_session & s, const std::string & name) {
    json req = {{"model", name}, {"from", s.parent_model.empty() ? s.model : s.parent_model}};
    if (!s.system.empty()) req["system"] = s.system;
    if (!s.options.empty()) req["parameters"] = s.options;
    json messages = s.loaded_messages.is_array() ? s.loaded_messages : json::array();
    for (const auto & m : s.messages) messages.push_back(m);
    if (!messages.empty()) req["messages"] = messages;
    return req;
}

}  // namespace lokal::cli
