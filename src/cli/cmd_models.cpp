// The model-management subcommands: list, ps, show, cp, rm, stop.
#include "cli/commands.h"
#include "cli/run_session.h"
#include "cli/views.h"
#include "client/client.h"

namespace lokal::cli {

namespace {

std::string first_or_empty(const parsed_args & args) { return args.positional.empty() ? "" : args.positional[0]; }

bool mentions_not_found(const error & e) {
    std::string m = e.message;
    for (auto & ch : m) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return e.code == errc::not_found || m.find("not found") != std::string::npos;
}

}  // namespace

status cmd_list(context & ctx, const parsed_args & args) {
    client::client c(ctx.settings.base_url(), ctx.settings.api_key);
    auto tags = c.get("/api/tags");
    if (!tags) return tags.err();
    print_out(format_list(*tags, first_or_empty(args), std::chrono::system_clock::now()));
    return {};
}

status cmd_ps(context & ctx, const parsed_args & args) {
    client::client c(ctx.settings.base_url(), ctx.settings.api_key);
    auto ps = c.get("/api/ps");
    if (!ps) return ps.err();
    print_out(format_ps(*ps, first_or_empty(args), std::chrono::system_clock::now()));
    return {};
}

status cmd_show(context & ctx, const parsed_args & args) {
    static const char * const parts[] = {"license", "modelfile", "parameters", "system", "template"};
    std::string part;
    int count = 0;
    for (const char * p : parts) {
        if (args.enabled(p)) {
            part = p;
            ++count;
        }
    }
    if (count > 1) {
        return make_error(errc::invalid_request,
                          "only one of '--license', '--modelfile', '--parameters', '--system', or '--template' can be "
                          "specified");
    }
    client::client c(ctx.settings.base_url(), ctx.settings.api_key);
    const bool verbose = args.enabled("verbose");
    json req = {{"model", args.positional[0]}};
    if (verbose) req["verbose"] = true;
    auto show = c.post("/api/show", req);
    if (!show) return show.err();
    if (part.empty()) {
        print_out(format_show_info(*show, verbose));
        return {};
    }
    const std::string text = json_string(*show, part.c_str());
    // As Ollama: system and template verbatim, the others with a newline.
    print_out(part == "system" || part == "template" ? text : text + "\n");
    return {};
}

status cmd_cp(context & ctx, const parsed_args & args) {
    client::client c(ctx.settings.base_url(), ctx.settings.api_key);
    auto r = c.post("/api/copy", {{"source", args.positional[0]}, {"destination", args.positional[1]}});
    if (!r) return r.err();
    print_out("copied '" + args.positional[0] + "' to '" + args.positional[1] + "'\n");
    return {};
}

status cmd_rm(context & ctx, const parsed_args & args) {
    client::client c(ctx.settings.base_url(), ctx.settings.api_key);
    for (const auto & name : args.positional) {
        // A loaded model is unloaded first, so its memory is freed with it.
        if (status st = load_or_unload(c, name, 0, nullptr); !st && !mentions_not_found(st.err())) {
            print_err("Warning: unable to stop model '" + name + "'\n");
        }
        auto r = c.del("/api/delete", {{"model", name}});
        if (!r) return r.err();
        print_out("deleted '" + name + "'\n");
    }
    return {};
}

status cmd_stop(context & ctx, const parsed_args & args) {
    client::client c(ctx.settings.base_url(), ctx.settings.api_key);
    const std::string & name = args.positional[0];
    if (status st = load_or_unload(c, name, 0, nullptr); !st) {
        if (mentions_not_found(st.err())) {
            return make_error(errc::not_found, "couldn't find model \"" + name + "\" to stop");
        }
        return st;
    }
    return {};
}

}  // namespace lokal::cli
