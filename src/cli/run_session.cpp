#include "cli/run_session.h"

#include "cli/interrupt.h"
#include "cli/progress.h"
#include "cli/response_printer.h"
#include "cli/terminal.h"
#include "cli/views.h"

#include <cstdio>
#include <iostream>
#include <unistd.h>

namespace lokal::cli {

void print_out(const std::string & s) {
    if (s.empty()) return;
    std::cout << s << std::flush;
}

void print_err(const std::string & s) {
    if (s.empty()) return;
    std::cerr << s << std::flush;
}

int wrap_width(bool word_wrap) {
    // Only a terminal gets wrapped: escape codes in a pipe would corrupt it.
    if (!word_wrap || !stdout_is_tty()) return 0;
    return terminal_width(STDOUT_FILENO);
}

namespace {

struct stream_outcome {
    json last;
    std::string content;
    std::string role = "assistant";
    bool canceled = false;
};

// Streams one generate/chat request, printing thinking and content.
result<stream_outcome> stream_answer(client::client & c, const std::string & path, const json & body,
                                     const run_options & o, bool plain) {
    progress spinner(stderr_is_tty());
    spinner.add_spinner("");
    response_printer printer(wrap_width(o.word_wrap), plain, o.hide_thinking);
    stream_outcome out;
    status st;
    {
        interrupt_scope on_ctrl_c([&c] { c.cancel(); });
        st = c.stream(path, body, [&](const json & r) {
            const bool is_chat = r.contains("message") && r["message"].is_object();
            const json & msg = is_chat ? r["message"] : r;
            const std::string content = json_string(msg, is_chat ? "content" : "response");
            const std::string thinking = json_string(msg, "thinking");
            if (!content.empty() || (!thinking.empty() && !o.hide_thinking)) spinner.stop_and_clear();
            if (!json_string(msg, "role").empty()) out.role = json_string(msg, "role");
            print_out(printer.thinking(thinking));
            print_out(printer.content(content));
            out.content += content;
            out.last = r;
            return true;
        });
        out.canceled = on_ctrl_c.fired();
    }
    spinner.stop_and_clear();
    if (!st) {
        if (st.err().code != errc::canceled) return st.err();
        out.canceled = true;
    }
    if (out.canceled && printer.wrote_anything()) print_out("\n");
    return out;
}

}  // namespace

status generate_once(client::client & c, const run_options & o) {
    json req = {{"model", o.model}, {"prompt", o.prompt}};
    if (!o.format.is_null()) req["format"] = o.format;
    if (!o.options.empty()) req["options"] = o.options;
    if (!o.keep_alive.is_null()) req["keep_alive"] = o.keep_alive;
    if (!o.think.is_null()) req["think"] = o.think;
    auto r = stream_answer(c, "/api/generate", req, o, !stdout_is_tty());
    if (!r) return r.err();
    if (r->canceled) return {};
    if (!o.prompt.empty()) print_out("\n\n");
    if (o.verbose && json_bool(r->last, "done")) print_err(format_metrics(r->last));
    return {};
}

result<std::optional<json>> chat_once(client::client & c, const repl_session & s, const run_options & o) {
    run_options opts = o;
    opts.word_wrap = s.word_wrap;
    json req = repl_chat_request(s, o.keep_alive);
    if (s.think.is_null() && !o.think.is_null()) req["think"] = o.think;
    auto r = stream_answer(c, "/api/chat", req, opts, false);
    if (!r) return r.err();
    if (r->canceled) return std::optional<json>();
    if (!s.messages.empty()) print_out("\n\n");
    if (s.verbose) print_err(format_metrics(r->last));
    return std::optional<json>(json{{"role", r->role}, {"content", r->content}});
}

status load_or_unload(client::client & c, const std::string & model, const json & keep_alive, const json & think) {
    progress spinner(stderr_is_tty());
    spinner.add_spinner("");
    auto show = c.post("/api/show", {{"model", model}});
    if (!show) return show.err();
    json req = {{"model", model}};
    if (!keep_alive.is_null()) req["keep_alive"] = keep_alive;
    if (!think.is_null()) req["think"] = think;
    interrupt_scope on_ctrl_c([&c] { c.cancel(); });
    status st = c.stream("/api/generate", req, [](const json &) { return true; });
    spinner.stop_and_clear();
    return st;
}

status embed_once(client::client & c, const run_options & o, const json & truncate, int dimensions) {
    if (o.prompt.empty()) {
        return make_error(errc::invalid_request, "embedding models require input text. Usage: lokal run " + o.model +
                                                     " \"your text here\"");
    }
    json req = {{"model", o.model}, {"input", o.prompt}};
    if (!o.keep_alive.is_null()) req["keep_alive"] = o.keep_alive;
    if (!truncate.is_null()) req["truncate"] = truncate;
    if (dimensions > 0) req["dimensions"] = dimensions;
    auto r = c.post("/api/embed", req);
    if (!r) return r.err();
    const json embeddings = r->is_object() && r->contains("embeddings") ? (*r)["embeddings"] : json::array();
    if (!embeddings.is_array() || embeddings.empty()) return make_error(errc::internal, "no embeddings returned");
    print_out(embeddings[0].dump() + "\n");
    return {};
}

}  // namespace lokal::cli
