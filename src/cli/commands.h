// The subcommands: their table (usage, help, flags) and their handlers,
// one file per command group.
#pragma once

#include "cli/command.h"

#include <vector>

namespace lokal::cli {

std::vector<command_spec> command_table();

status cmd_serve(context & ctx, const parsed_args & args);
status cmd_create(context & ctx, const parsed_args & args);
status cmd_show(context & ctx, const parsed_args & args);
status cmd_run(context & ctx, const parsed_args & args);
status cmd_stop(context & ctx, const parsed_args & args);
status cmd_pull(context & ctx, const parsed_args & args);
status cmd_push(context & ctx, const parsed_args & args);
status cmd_list(context & ctx, const parsed_args & args);
status cmd_ps(context & ctx, const parsed_args & args);
status cmd_cp(context & ctx, const parsed_args & args);
status cmd_rm(context & ctx, const parsed_args & args);
status cmd_user(context & ctx, const parsed_args & args);  // cmd_accounts.cpp
status cmd_key(context & ctx, const parsed_args & args);

// `lokal --version`: the server's version when it answers, and the client's.
std::string version_text(const config::settings & settings);

}  // namespace lokal::cli
