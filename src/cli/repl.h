// The interactive session of `lokal run` as plain logic: a line goes in, the
// session state changes, and an action comes out saying what to print and
// what (if anything) to ask the server. No terminal and no HTTP here, so
// every command, "/set parameter ...", and the """ multi-line rules are
// unit-tested; repl_driver.cpp wires this to the line editor and the client.
#pragma once

#include "core/json.h"

#include <string>

namespace lokal::cli {

enum class multiline_mode { none, prompt, system };

struct repl_session {
    std::string model;
    std::string parent_model;             // from /api/show details, for /save
    json loaded_messages = json::array();  // the model's own MESSAGEs, for /save
    json messages = json::array();         // the conversation sent with each /api/chat
    json options = json::object();         // "/set parameter" values
    std::string system;
    std::string format;  // "" or "json"
    json think = nullptr;
    bool verbose = false;
    bool word_wrap = true;
    bool history = true;

    multiline_mode multiline = multiline_mode::none;
    std::string pending;          // text collected for the next message
    bool use_alt_prompt = false;  // "... " instead of ">>> "
};

enum class repl_action_kind {
    none,  // print out/err, read the next line
    chat,  // send session.messages (the user message is already appended)
    show,  // /show <arg>: fetch /api/show and print repl_show_text
    load,  // /load <arg>
    save,  // /save <arg>
    list,  // /list [arg]
    exit,  // /bye
};

struct repl_action {
    repl_action_kind kind = repl_action_kind::none;
    std::string arg;
    std::string out;  // for stdout
    std::string err;  // for stderr (help texts, as Ollama prints them)
};

// One line from the editor; pasting: the line came from a bracketed paste
// that has not ended yet (Ollama then keeps collecting instead of sending).
repl_action repl_handle_line(repl_session & s, const std::string & line, bool pasting);

// Ctrl+C at the prompt: drops any half-typed multi-line input.
std::string repl_interrupt(repl_session & s);

// Text for "/show <topic>" given the server's /api/show answer; err gets
// what goes to stderr (the "info" view, as Ollama does).
std::string repl_show_text(const std::string & topic, const json & show, const repl_session & s, std::string & err);

// Request bodies the driver sends.
json repl_chat_request(const repl_session & s, const json & keep_alive);
json repl_save_request(const repl_session & s, const std::string & name);

// The "/?" text.
std::string repl_usage();

}  // namespace lokal::cli
