// `lokal pull` and `lokal push`: the server talks to the registry; the CLI
// shows its progress.
#include "cli/commands.h"
#include "cli/progress.h"
#include "cli/status_stream.h"
#include "cli/terminal.h"
#include "client/client.h"

#include <iostream>

namespace lokal::cli {

status cmd_pull(context & ctx, const parsed_args & args) {
    client::client c(ctx.settings.base_url(), ctx.settings.api_key);
    progress p(stderr_is_tty());
    json req = {{"model", args.positional[0]}};
    if (args.enabled("insecure")) req["insecure"] = true;
    return stream_with_progress(c, p, "/api/pull", req, "pulling", true);
}

status cmd_push(context & ctx, const parsed_args & args) {
    client::client c(ctx.settings.base_url(), ctx.settings.api_key);
    json req = {{"model", args.positional[0]}};
    if (args.enabled("insecure")) req["insecure"] = true;
    {
        progress p(stderr_is_tty());
        status st = stream_with_progress(c, p, "/api/push", req, "pushing", false);
        if (!st) {
            std::string m = st.err().message;
            if (m.find("access denied") != std::string::npos || m.find("unauthorized") != std::string::npos) {
                return make_error(errc::unauthorized, "you are not authorized to push to this namespace, create the "
                                                      "model under a namespace you own");
            }
            return st;
        }
    }
    std::cout << "\nYou can find your model at:\n\n\t" << args.positional[0] << "\n";
    return {};
}

}  // namespace lokal::cli
