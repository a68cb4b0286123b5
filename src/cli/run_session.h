// Talking to a model for `lokal run`: one-shot generation, one chat turn of
// the REPL, loading/unloading, embeddings. Output is streamed to stdout as
// it arrives; Ctrl+C stops the answer (the HTTP stream is closed) and is not
// an error.
#pragma once

#include "cli/repl.h"
#include "client/client.h"
#include "core/json.h"
#include "core/result.h"

#include <optional>
#include <string>

namespace lokal::cli {

struct run_options {
    std::string model;
    std::string prompt;
    json format = nullptr;      // null, "json" or a JSON schema
    json keep_alive = nullptr;  // null, a duration string or seconds
    json think = nullptr;       // null, true/false or "high"/"medium"/"low"
    json options = json::object();
    bool hide_thinking = false;
    bool word_wrap = false;
    bool verbose = false;
};

// Writes to stdout and flushes (streamed tokens must show up at once).
void print_out(const std::string & s);
void print_err(const std::string & s);

// The width to wrap at, or 0 for no wrapping.
int wrap_width(bool word_wrap);

// /api/generate for one prompt, printed as it streams.
status generate_once(client::client & c, const run_options & o);

// One /api/chat turn for the REPL: the assistant message, or nullopt when
// the user pressed Ctrl+C.
result<std::optional<json>> chat_once(client::client & c, const repl_session & s, const run_options & o);

// /api/show, then a generate with no prompt, which loads the model (or with
// keep_alive 0 unloads it), with a spinner meanwhile.
status load_or_unload(client::client & c, const std::string & model, const json & keep_alive, const json & think);

// /api/embed for an embedding model; prints the vector as JSON.
status embed_once(client::client & c, const run_options & o, const json & truncate, int dimensions);

// The REPL on /api/chat until /bye or Ctrl+D.
status run_interactive(client::client & c, repl_session & s, run_options o);

}  // namespace lokal::cli
