// Shared by the inference routes: from a model name and request options to
// everything needed to lease a runner and build a completion request.
#pragma once

#include "api/options.h"
#include "api/requests.h"
#include "engine/runner.h"
#include "handlers/routes.h"
#include "sched/scheduler.h"
#include "store/store.h"
#include "template/ollama.h"
#include "template/template.h"

#include <chrono>
#include <optional>
#include <string>

namespace lokal::handlers {

struct prepared {
    store::model_record rec;
    api::options opts;
    engine::load_params load;
    std::chrono::milliseconds keep_alive{0};
    sched::model_label label;
    std::string key;   // scheduler key: one loaded runner per manifest
    // The Go template prompts are rendered with: the request's "template",
    // else the model's TEMPLATE layer. Null: the GGUF's own Jinja template.
    tmpl::template_ptr go_template;
};

// Resolves the model (404 "model 'x' not found") and merges options:
// Ollama's defaults < the model's PARAMETERs < the request's options.
result<prepared> prepare(context & ctx, const std::string & model, const json & options,
                         std::optional<std::chrono::milliseconds> keep_alive,
                         const std::optional<std::string> & template_override = std::nullopt);

// What Ollama's capability checks read from a model's GGUF. Read once per
// model file (a blob's content never changes under its digest) so that a
// request the model cannot serve is refused before the model loads.
struct gguf_facts {
    std::string chat_template;  // tokenizer.chat_template
    bool embedding = false;     // <arch>.pooling_type set: an embedding model, no completion
    bool reranker = false;      // rank pooling
};
// Unreadable metadata gives empty facts: loading then reports the problem.
gguf_facts model_gguf_facts(const prepared & p);

// The sampling and length settings of a completion, from the merged options.
engine::completion_request completion_from(const prepared & p);

// The prompt of /api/generate without raw, as Ollama builds it: system
// (request, else the model's SYSTEM), the model's MESSAGEs (unless a context
// from an earlier turn continues), then the prompt; or, with a suffix, the
// template's fill-in-the-middle form (Go templates only).
// The runner is needed only without a Go template (the GGUF's Jinja lives in
// the loaded model); with p.go_template it may be null. fit's count_tokens,
// num_ctx and image_tokens cut the MESSAGEs as Ollama's chatPrompt does (Go
// templates; first_message says how many went).
result<tmpl::rendered_prompt> render_generate_prompt(engine::runner * r, const prepared & p,
                                                     const std::optional<std::string> & system,
                                                     const std::string & prompt, const std::string & suffix,
                                                     bool has_context, const json & think = nullptr,
                                                     const tmpl::render_options & fit = {});

// Ollama's "details" object from a model's config blob.
json details_from_config(const json & config);

}  // namespace lokal::handlers
