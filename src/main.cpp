// lokal: one binary, the server (`lokal serve`) and its command-line client.
#include "cli/cli.h"
#include "handlers/app.h"

int main(int argc, char ** argv) { return lokal::cli::cli_main(argc, argv, lokal::handlers::serve_main); }
