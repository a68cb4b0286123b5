// `lokal run`: one-shot generation or the interactive chat.
#include "cli/commands.h"
#include "cli/run_session.h"
#include "cli/terminal.h"
#include "cli/views.h"
#include "client/client.h"

#include <iostream>
#include <iterator>

namespace lokal::cli {

namespace {

bool has_capability(const json & show, const std::string & cap) {
    if (!show.is_object() || !show.contains("capabilities") || !show["capabilities"].is_array()) return false;
    for (const auto & c : show["capabilities"]) {
        if (c.is_string() && c.get<std::string>() == cap) return true;
    }
    return false;
}

// --think, --think=false, --think=high ...
result<json> think_value(const parsed_args & args) {
    if (!args.has("think")) return json(nullptr);
    const std::string v = args.value("think");
    if (v.empty() || v == "true") return json(true);
    if (v == "false") return json(false);
    if (v == "high" || v == "medium" || v == "low" || v == "max") return json(v);
    return make_error(errc::invalid_request,
                      "invalid value for --think: \"" + v + "\" (must be true, false, high, medium, low, or max)");
}

// --keepalive: a Go duration ("5m", "1h30m", "-1s") or a number of seconds.
result<json> keep_alive_value(const parsed_args & args) {
    const std::string v = args.value("keepalive");
    if (v.empty()) return json(nullptr);
    auto d = config::parse_duration(v);
    if (!d) return make_error(errc::invalid_request, "time: invalid duration \"" + v + "\"");
    // A plain number goes as a number (seconds), like the API takes it.
    json number = json::parse(v, nullptr, false);
    return number.is_number() ? number : json(v);
}

// --format json, or a JSON schema.
result<json> format_value(const parsed_args & args) {
    const std::string v = args.value("format");
    if (v.empty()) return json(nullptr);
    if (v == "json") return json("json");
    json schema = json::parse(v, nullptr, false);
    if (schema.is_discarded()) return make_error(errc::invalid_request, "invalid --format: use json or a JSON schema");
    return schema;
}

result<run_options> options_from(const parsed_args & args) {
    run_options o;
    o.model = args.positional[0];
    auto think = think_value(args);
    if (!think) return think.err();
    auto keep = keep_alive_value(args);
    if (!keep) return keep.err();
    auto format = format_value(args);
    if (!format) return format.err();
    o.think = *think;
    o.keep_alive = *keep;
    o.format = *format;
    o.hide_thinking = args.enabled("hidethinking");
    o.verbose = args.enabled("verbose");
    o.word_wrap = !args.enabled("nowordwrap");
    return o;
}

repl_session session_from(const run_options & o, const json & show) {
    repl_session s;
    s.model = o.model;
    s.verbose = o.verbose;
    s.word_wrap = o.word_wrap;
    s.format = o.format.is_string() ? o.format.get<std::string>() : "";
    s.think = o.think;
    if (show.contains("details")) s.parent_model = json_string(show["details"], "parent_model");
    if (show.contains("messages") && show["messages"].is_array()) s.loaded_messages = show["messages"];
    return s;
}

// The model's own MESSAGEs, shown before the first prompt as Ollama does.
void print_loaded_messages(const repl_session & s) {
    for (const auto & m : s.loaded_messages) {
        const std::string role = json_string(m, "role"), content = json_string(m, "content");
        if (role == "user") print_out(">>> " + content + "\n");
        if (role == "assistant") print_out(content + "\n\n");
    }
}

}  // namespace

status cmd_run(context & ctx, const parsed_args & args) {
    auto opts = options_from(args);
    if (!opts) return opts.err();
    run_options & o = *opts;

    std::vector<std::string> prompts(args.positional.begin() + 1, args.positional.end());
    bool interactive = prompts.empty();
    if (!stdin_is_tty()) {
        // Piped text comes first, then the arguments (as Ollama).
        std::string in((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
        if (!in.empty()) prompts.insert(prompts.begin(), in);
        interactive = false;
    }
    for (size_t i = 0; i < prompts.size(); ++i) o.prompt += (i ? " " : "") + prompts[i];
    if (!stdout_is_tty()) interactive = false;

    client::client c(ctx.settings.base_url(), ctx.settings.api_key);
    auto show = c.post("/api/show", {{"model", o.model}});
    if (!show) return show.err();
    // Thinking is on by default for models that can think, unless --think said otherwise.
    if (!args.has("think") && has_capability(*show, "thinking")) o.think = true;

    if (has_capability(*show, "embedding")) {
        json truncate = args.has("truncate") ? json(args.enabled("truncate")) : json(nullptr);
        int dimensions = 0;
        try {
            dimensions = args.value("dimensions").empty() ? 0 : std::stoi(args.value("dimensions"));
        } catch (const std::exception &) {
            return make_error(errc::invalid_request, "invalid argument \"" + args.value("dimensions") +
                                                         "\" for \"--dimensions\" flag: expected an integer");
        }
        return embed_once(c, o, truncate, dimensions);
    }
    if (!interactive) return generate_once(c, o);

    if (status st = load_or_unload(c, o.model, o.keep_alive, o.think); !st) return st;
    repl_session s = session_from(o, *show);
    print_loaded_messages(s);
    return run_interactive(c, s, o);
}

}  // namespace lokal::cli
