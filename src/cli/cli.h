// lokal's command line. `lokal serve` runs the server (given as a function,
// so this library stays a pure client); every other subcommand talks HTTP
// to LOKAL_HOST, as Ollama's CLI does.
#pragma once

#include "config/config.h"

#include <functional>

namespace lokal::cli {

using serve_function = std::function<int(const config::settings &)>;

// Runs the command line; returns the process exit code. Errors are printed
// as "Error: <message>" on stderr with exit code 1.
int cli_main(int argc, char ** argv, const serve_function & serve);

}  // namespace lokal::cli
