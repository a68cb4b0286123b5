// Rendering a chat with tools and thinking, and choosing the parser for the
// output, as Ollama's ChatHandler does: capability checks ("does not support
// tools/thinking"), thinking on by default for thinking models, thinking
// stripped from earlier turns of qwen3/deepseek-r1, tool_choice (lokal's
// extension). Go templates: Ollama's tag heuristics and parsers (chat/);
// the GGUF's Jinja template: libcommon through the runner.
#pragma once

#include "api/requests.h"
#include "engine/runner.h"
#include "handlers/model_prep.h"

#include <optional>
#include <string>
#include <vector>

namespace lokal::handlers {

struct chat_inputs {
    std::string model;                   // as the request named it (for errors)
    std::vector<api::message> messages;  // the request's
    json tools = nullptr;
    api::tool_choice choice;
    json think = nullptr;                // validated: null, bool or a level
    bool generate = false;               // /api/generate: no tools
    // Ollama's "truncate" (default true): drop the oldest messages, keeping
    // system messages and the last one, until the prompt fits num_ctx.
    bool truncate = true;
};

// What a model's template can do, as Ollama decides it.
struct template_caps {
    bool tools = false;
    bool thinking = false;
    bool insert = false;   // fill-in-the-middle: the Go template reads .Suffix
};

// What a request needs of the model, for check_capabilities.
struct capability_request {
    std::string model;     // as the request named it
    bool chat = false;     // /api/chat (else /api/generate)
    bool tools = false;    // a non-empty "tools"
    bool insert = false;   // a "suffix"
    json think = nullptr;  // the request's "think"
};

// Ollama's capability checks, made before the model loads (from the
// template and the GGUF's metadata), each a 400: "\"m\" does not support
// thinking", "\"m\" does not support chat|generate" (an embedding model),
// "<name> does not support tools|insert".
status check_capabilities(const prepared & p, const capability_request & want);

// Checks the request against the template, renders the prompt and builds
// the output parser. The runner may be null for a Go template.
result<engine::chat_prompt> render_chat(engine::runner * r, const prepared & p, const chat_inputs & in);

// /api/generate's prompt (not raw) with thinking: the Go template's
// generate form or the GGUF's template over system + MESSAGEs + prompt.
struct generate_inputs {
    std::string model;
    std::optional<std::string> system;
    std::string prompt, suffix;
    bool has_context = false;
    json think = nullptr;
    bool truncate = true;  // as for chat: the oldest MESSAGEs go until the prompt fits
};
result<engine::chat_prompt> render_generate(engine::runner * r, const prepared & p, const generate_inputs & in);

// render_chat without a runner (a Go template, for _debug_render_only)
// could not tell whether the chat fits the context: the caller loads the
// model and renders again with its tokenizer.
bool needs_tokenizer(const error & e);

// "truncate": false: a prompt (after context_tokens from an earlier
// /api/generate) longer than the context is refused (400, Ollama's "the
// input length exceeds the context length").
status check_fits(engine::runner & r, const prepared & p, const std::string & prompt, size_t context_tokens = 0);

// format and grammar exclude each other (400).
status check_output_constraints(const json & format, const std::string & grammar);

// The model's SYSTEM and MESSAGEs plus the request's messages, as the
// template sees them (thinking stripped where Ollama strips it).
std::vector<api::message> chat_history(const prepared & p, const std::vector<api::message> & request);

}  // namespace lokal::handlers
