#include "cli/commands.h"

namespace lokal::cli {

status cmd_serve(context & ctx, const parsed_args &) {
    if (!ctx.serve) return make_error(errc::internal, "this build of lokal has no server");
    ctx.exit_code = ctx.serve(ctx.settings);
    return {};
}

}  // namespace lokal::cli
