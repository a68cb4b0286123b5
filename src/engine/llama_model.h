// RAII owner of one loaded model: llama_model, its llama_context, the chat
// templates libcommon read from it. Used only by the runner's thread after
// loading (llama.cpp contexts are not thread-safe).
#pragma once

#include "engine/runner.h"

#include <chat.h>
#include <mtmd.h>
#include <llama-cpp.h>
#include <llama.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace lokal::engine {

// The generation context's parameters: one sequence per slot, each with
// num_ctx tokens (clamped to what the model was trained for).
llama_context_params generation_context_params(const load_params & params, const llama_model * model);

// Weights' placement (num_gpu, main_gpu) and loading (use_mmap).
llama_model_params model_params(const load_params & params);

// Refuses a quantized KV-cache type the model's head sizes cannot use.
status check_cache_type(const llama_model * model, const std::string & name);

class llama_model_handle {
public:
    static result<std::unique_ptr<llama_model_handle>> load(const load_params & params);

    llama_model * model() const { return model_.get(); }
    llama_context * ctx() const { return ctx_.get(); }
    const llama_vocab * vocab() const { return llama_model_get_vocab(model_.get()); }
    const model_facts & facts() const { return facts_; }
    mtmd_context * mtmd() const { return mtmd_.get(); }  // null without a projector

    // Tokenizes context tokens + prompt text (special tokens parsed, BOS
    // added when the model wants one and there is no context before it).
    std::vector<llama_token> tokenize(const std::vector<int32_t> & context, const std::string & prompt) const;
    // special: render control tokens ("<start_of_turn>") rather than nothing.
    std::string piece(llama_token tok, bool special = false) const;
    // Tokenizes text alone, with the caller's choice of special tokens.
    std::vector<llama_token> tokenize_text(const std::string & text, bool add_special, bool parse_special) const;
    bool valid_token(int32_t tok) const { return tok >= 0 && tok < facts_.n_vocab; }

    // A second context on the same weights (the embedding context), with
    // the model's adapters applied. Null when llama.cpp refuses it.
    llama_context_ptr new_context(const llama_context_params & cp) const;
    int n_threads() const { return n_threads_; }

    // Thread-safe: renders with libcommon's Jinja engine, no llama_context use.
    result<std::string> apply_chat_template(const std::vector<chat_message> & messages);
    // With tools and thinking, and the parser for the output (chat_adapter).
    result<chat_prompt> render_chat(const chat_template_request & req);
    // Ollama's capability heuristics read the template's source.
    std::string chat_template_source() const;

private:
    llama_model_ptr model_;
    llama_context_ptr ctx_;
    std::vector<llama_adapter_lora_ptr> adapters_;
    mtmd::context_ptr mtmd_;
    common_chat_templates_ptr templates_;
    std::mutex template_mu_;
    model_facts facts_;
    int n_threads_ = 0;
};

}  // namespace lokal::engine
