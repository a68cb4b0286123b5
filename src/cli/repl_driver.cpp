// The REPL on a terminal: reads lines with the line editor, lets repl.cpp
// decide, and does the talking to the server that the decision asks for.
#include "cli/line_editor.h"
#include "cli/repl.h"
#include "cli/run_session.h"
#include "cli/terminal.h"
#include "cli/views.h"

#include <unistd.h>

namespace lokal::cli {

namespace {

// Bracketed paste lets a pasted block arrive as one message.
class bracketed_paste {
public:
    bracketed_paste() { write_fd(STDOUT_FILENO, "\x1b[?2004h"); }
    ~bracketed_paste() { write_fd(STDOUT_FILENO, "\x1b[?2004l"); }
};

bool contains(const std::string & s, const char * part) { return s.find(part) != std::string::npos; }

status do_chat(client::client & c, repl_session & s, const run_options & o) {
    auto reply = chat_once(c, s, o);
    if (!reply) {
        const std::string & msg = reply.err().message;
        if (contains(msg, "does not support thinking") || contains(msg, "invalid think value")) {
            print_out("error: " + msg + "\n");
            return {};
        }
        return reply.err();
    }
    if (*reply) s.messages.push_back(**reply);
    return {};
}

status do_show(client::client & c, const repl_session & s, const std::string & topic) {
    json req = {{"model", s.model}};
    if (!s.system.empty()) req["system"] = s.system;
    if (!s.options.empty()) req["options"] = s.options;
    auto show = c.post("/api/show", req);
    if (!show) {
        print_out("error: couldn't get model\n");
        return show.err();
    }
    std::string err;
    print_out(repl_show_text(topic, *show, s, err));
    print_err(err);
    return {};
}

status do_load(client::client & c, repl_session & s, run_options & o, const std::string & model) {
    print_out("Loading model '" + model + "'\n");
    auto show = c.post("/api/show", {{"model", model}});
    if (!show) {
        if (show.err().code == errc::not_found || contains(show.err().message, "not found")) {
            print_out("Couldn't find model '" + model + "'\n");
            return {};
        }
        return show.err();
    }
    s.model = model;
    o.model = model;
    s.messages = json::array();
    s.loaded_messages = show->contains("messages") && (*show)["messages"].is_array() ? (*show)["messages"] : json::array();
    s.parent_model = show->contains("details") ? json_string((*show)["details"], "parent_model") : "";
    return load_or_unload(c, model, o.keep_alive, s.think.is_null() ? o.think : s.think);
}

status do_save(client::client & c, const repl_session & s, const std::string & name) {
    json req = repl_save_request(s, name);
    auto ignore = [](const json &) { return true; };
    status st = c.stream("/api/create", req, ignore);
    // The parent the server reported may not be a model here (a file name,
    // or deleted since): the loaded model itself is the next best base.
    if (!st && st.err().code == errc::not_found && req["from"] != s.model) {
        req["from"] = s.model;
        st = c.stream("/api/create", req, ignore);
    }
    if (!st) {
        if (contains(st.err().message, "invalid model name")) {
            print_out("error: The model name '" + name + "' is invalid\n");
        } else {
            print_out("error: " + st.err().message + "\n");
        }
        return {};
    }
    print_out("Created new model '" + name + "'\n");
    return {};
}

status do_list(client::client & c, const std::string & filter) {
    auto tags = c.get("/api/tags");
    if (!tags) return tags.err();
    print_out(format_list(*tags, filter, std::chrono::system_clock::now()));
    return {};
}

}  // namespace

status run_interactive(client::client & c, repl_session & s, run_options o) {
    line_editor editor;
    bracketed_paste paste;
    while (true) {
        const std::string prompt = s.use_alt_prompt ? "... " : ">>> ";
        const std::string placeholder = s.use_alt_prompt ? "Press Enter to send" : "Send a message (/? for help)";
        read_result in = editor.read_line(prompt, placeholder);
        if (in.status == read_status::eof) {
            print_out("\n");
            return {};
        }
        if (in.status == read_status::interrupt) {
            print_out(repl_interrupt(s));
            continue;
        }
        repl_action a = repl_handle_line(s, in.text, in.pasting);
        editor.history().enabled = s.history;
        print_out(a.out);
        print_err(a.err);
        status st;
        switch (a.kind) {
            case repl_action_kind::none: break;
            case repl_action_kind::chat: st = do_chat(c, s, o); break;
            case repl_action_kind::show: st = do_show(c, s, a.arg); break;
            case repl_action_kind::load: st = do_load(c, s, o, a.arg); break;
            case repl_action_kind::save: st = do_save(c, s, a.arg); break;
            case repl_action_kind::list: st = do_list(c, a.arg); break;
            case repl_action_kind::exit: return {};
        }
        if (!st) return st;
    }
}

}  // namespace lokal::cli
