// The command table: what `lokal --help` lists and each `--help` explains.
#include "cli/commands.h"

namespace lokal::cli {

namespace {

flag_spec switch_flag(const char * name, const char * help, char shorthand = 0) {
    flag_spec f;
    f.name = name;
    f.shorthand = shorthand;
    f.help = help;
    return f;
}

flag_spec value_flag(const char * name, const char * type, const char * help, char shorthand = 0) {
    flag_spec f = switch_flag(name, help, shorthand);
    f.value_type = type;
    return f;
}

std::vector<flag_spec> run_flags() {
    flag_spec think = value_flag("think", "string",
                                 "Enable thinking mode: true/false or high/medium/low for supported models");
    think.bare_value = "true";
    return {value_flag("keepalive", "string", "Duration to keep a model loaded (e.g. 5m)"),
            switch_flag("verbose", "Show timings for response"),
            switch_flag("nowordwrap", "Don't wrap words to the next line automatically"),
            value_flag("format", "string", "Response format (e.g. json, or a JSON schema)"),
            think,
            switch_flag("hidethinking", "Hide thinking output (if provided)"),
            switch_flag("truncate", "For embedding models: truncate inputs exceeding context length (default: "
                                    "true). Set --truncate=false to error instead"),
            value_flag("dimensions", "int",
                       "Truncate output embeddings to specified dimension (embedding models only)")};
}

command_spec serve_spec() {
    return {"serve", {"start"}, "serve", "Start lokal",
            "Start lokal: serve the Ollama-compatible REST API on LOKAL_HOST. Models load on\n"
            "first use and unload after LOKAL_KEEP_ALIVE of inactivity. Stop it with Ctrl+C\n"
            "or SIGTERM.\n\n"
            "All settings come from the environment variables below.",
            "  LOKAL_HOST=0.0.0.0:11434 lokal serve\n  LOKAL_MODELS=/srv/models LOKAL_KEEP_ALIVE=30m lokal serve",
            {}, 0, 0, true, cmd_serve};
}

command_spec create_spec() {
    return {"create", {}, "create MODEL", "Create a model from a Modelfile",
            "Create a model from a Modelfile.\n\n"
            "The Modelfile is read here, on the client. A FROM line naming a local .gguf\n"
            "file (or a directory of them; relative paths start at the Modelfile's\n"
            "directory) makes the CLI hash the file and upload it to the server unless the\n"
            "server already has it; a FROM line naming a model builds on that model.\n"
            "In a directory, a vision projector GGUF joins the model and the parts of a\n"
            "split GGUF (model-00001-of-00003.gguf ...) are merged into one model.\n"
            "ADAPTER names a LoRA adapter GGUF for the model's architecture.\n"
            "Only regular files under the Modelfile's directory, the local store's blobs\n"
            "or a folder listed in LOKAL_MODELFILE_DIRS are read; other paths count as\n"
            "missing files.\n"
            "TEMPLATE, SYSTEM, PARAMETER, MESSAGE, LICENSE and ADAPTER lines are sent along.\n"
            "Without -f, ./Modelfile is used.",
            "  lokal create mymodel -f ./Modelfile\n"
            "  printf 'FROM ./model.gguf\\nPARAMETER temperature 0.7\\n' > Modelfile && lokal create mymodel",
            {value_flag("file", "string", "Name of the Modelfile (default \"Modelfile\")", 'f'),
             value_flag("quantize", "string", "Quantize model to this level (e.g. q4_K_M)", 'q')},
            1, 1, false, cmd_create};
}

command_spec show_spec() {
    return {"show", {}, "show MODEL", "Show information for a model",
            "Show information for a model: architecture, parameter count, context length,\n"
            "quantization, capabilities, parameters, system message and license. One of the\n"
            "flags prints just that part instead.",
            "  lokal show llama3.2\n  lokal show llama3.2 --modelfile",
            {switch_flag("license", "Show license of a model"), switch_flag("modelfile", "Show Modelfile of a model"),
             switch_flag("parameters", "Show parameters of a model"),
             switch_flag("template", "Show template of a model"),
             switch_flag("system", "Show system message of a model"),
             switch_flag("verbose", "Show detailed model information", 'v')},
            1, 1, false, cmd_show};
}

command_spec run_spec() {
    return {"run", {}, "run MODEL [PROMPT]", "Run a model",
            "Run a model. With a prompt (arguments and/or text piped on stdin, which comes\n"
            "first) the answer is streamed to stdout and lokal exits. Without one, on a\n"
            "terminal, an interactive chat starts: type /? for its commands, \"\"\" to start\n"
            "and end a multi-line message, Ctrl+C to stop an answer, Ctrl+D or /bye to leave.",
            "  lokal run llama3.2\n"
            "  lokal run llama3.2 \"Why is the sky blue?\"\n"
            "  cat notes.txt | lokal run llama3.2 \"Summarize this:\"\n"
            "  lokal run llama3.2 --format json --verbose \"List three colors as JSON\"",
            run_flags(),
            1, -1, false, cmd_run};
}

command_spec stop_spec() {
    return {"stop", {}, "stop MODEL", "Stop a running model",
            "Stop a running model: unload it from memory now instead of after its keep-alive.",
            "  lokal stop llama3.2", {}, 1, 1, false, cmd_stop};
}

command_spec pull_spec() {
    return {"pull", {}, "pull MODEL", "Pull a model from a registry",
            "Pull a model from a registry (through the server, which downloads it).", "",
            {switch_flag("insecure", "Use an insecure registry")}, 1, 1, false, cmd_pull};
}

command_spec push_spec() {
    return {"push", {}, "push MODEL", "Push a model to a registry",
            "Push a model to a registry (through the server, which uploads it).", "",
            {switch_flag("insecure", "Use an insecure registry")}, 1, 1, false, cmd_push};
}

command_spec list_spec() {
    return {"list", {"ls"}, "list [PREFIX]", "List models",
            "List the models on the server: name, ID (the first 12 hex digits of the\n"
            "manifest digest), size and when each was last modified. An argument keeps the\n"
            "names that start with it.",
            "  lokal list\n  lokal ls llama", {}, 0, -1, false, cmd_list};
}

command_spec ps_spec() {
    return {"ps", {}, "ps [PREFIX]", "List running models",
            "List the models loaded in memory: their size, where they run (CPU/GPU), their\n"
            "context length, and until when they stay loaded. An argument keeps the names\n"
            "that start with it.",
            "", {}, 0, -1, false, cmd_ps};
}

command_spec cp_spec() {
    return {"cp", {}, "cp SOURCE DESTINATION", "Copy a model",
            "Copy a model under a new name (the blobs are shared, nothing large is copied).",
            "  lokal cp llama3.2 my-llama", {}, 2, 2, false, cmd_cp};
}

command_spec rm_spec() {
    return {"rm", {}, "rm MODEL [MODEL...]", "Remove a model",
            "Remove one or more models, unloading them first if they are running. Blobs\n"
            "no other model uses are deleted.",
            "  lokal rm my-llama", {}, 1, -1, false, cmd_rm};
}

constexpr const char * accounts_help =
    "Without LOKAL_API_KEY this works on the database in LOKAL_DATA directly (no\n"
    "server needed): that is how the first admin is created. With LOKAL_API_KEY set\n"
    "(an admin key) it goes through the server at LOKAL_HOST instead.";

command_spec user_spec() {
    return {"user", {}, "user add|list|passwd|rm [NAME]", "Manage user accounts",
            std::string("Manage the accounts that can sign in to the web UI and own API keys.\n\n"
                        "  add NAME      create a user (--admin: an admin); asks for a password\n"
                        "  list          list users\n"
                        "  passwd NAME   set a new password (ends the user's web sessions); with\n"
                        "                encrypted chats (LOKAL_ENCRYPT_CHATS) give --current to keep\n"
                        "                them, or --discard-chats: without the current password\n"
                        "                nobody, admins included, can recover them\n"
                        "  rm NAME       delete a user with their keys and chats\n\n"
                        "Passwords are read from the terminal without echo, or as one line from\n"
                        "stdin when it is not a terminal (or with --password-stdin). Authentication\n"
                        "is turned on with LOKAL_AUTH=1 on the server.\n\n") + accounts_help,
            "  lokal user add --admin alice\n  printf '%s\\n' \"$PW\" | lokal user add bob --password-stdin\n"
            "  LOKAL_API_KEY=lk-... lokal user list",
            {switch_flag("admin", "Create the user with the admin role"),
             switch_flag("password-stdin", "Read the password from stdin"),
             switch_flag("current", "passwd: ask for the current password first (from stdin: the first of two lines)"),
             switch_flag("discard-chats", "passwd: reset without the current password, deleting the user's encrypted chats")},
            1, 2, false, cmd_user};
}

command_spec key_spec() {
    return {"key", {}, "key create|list|revoke [ID]", "Manage API keys",
            std::string("Manage API keys. A key is shown once, when it is created, and stored only as\n"
                        "a hash. Clients send it as \"Authorization: Bearer KEY\" or \"x-api-key: KEY\"\n"
                        "(OLLAMA_API_KEY, OPENAI_API_KEY, ANTHROPIC_API_KEY; LOKAL_API_KEY for lokal).\n\n"
                        "  create        create a key (--user, --scope, --name)\n"
                        "  list          list keys (--user: of one user)\n"
                        "  revoke ID     revoke a key at once\n\n"
                        "Scopes: inference (generate, chat, embed, /v1), models (pull, push, create,\n"
                        "copy, delete), admin (users and keys; implies the others, admins only).\n"
                        "Through the server, any user manages their own keys (scopes up to their\n"
                        "role's, or up to LOKAL_API_KEY's own); --user and other users' keys need admin.\n\n") +
                accounts_help,
            "  lokal key create --user alice --scope inference,models --name laptop\n  lokal key list\n"
            "  lokal key revoke 3",
            {value_flag("user", "string", "User the key belongs to (default with LOKAL_API_KEY: yourself)"),
             value_flag("scope", "string", "Comma-separated scopes: inference, models, admin (default \"inference\")"),
             value_flag("name", "string", "A label for the key, e.g. laptop")},
            1, 2, false, cmd_key};
}

}  // namespace

std::vector<command_spec> command_table() {
    return {serve_spec(), create_spec(), show_spec(), run_spec(), stop_spec(), pull_spec(), push_spec(),
            list_spec(),  ps_spec(),     cp_spec(),   rm_spec(),   user_spec(), key_spec()};
}

}  // namespace lokal::cli
