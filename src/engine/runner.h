// The engine's interface: what the scheduler and handlers see of a loaded
// model. No llama.cpp type appears here; engine/llama_runner.cpp implements it
// on libllama, and tests implement it with fakes.
//
// Threads: a runner owns one inference thread. submit() is called from HTTP
// threads; it queues a task and returns a stream the caller reads results
// from. Destroying the stream cancels the task: its slot is freed within one
// decode step.
#pragma once

#include "chat/output.h"
#include "core/json.h"
#include "core/result.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lokal::engine {

struct load_params {
    std::string model_path;
    std::string projector_path;
    std::vector<std::string> adapter_paths;
    std::string draft_path;  // DRAFT model for speculative decoding; empty: none
    int num_ctx = 4096;      // context per sequence (slot)
    int num_batch = 512;
    int num_gpu = -1;        // layers to offload; -1: as many as the backend wants
    int main_gpu = 0;
    int num_thread = 0;      // 0: llama.cpp's default
    int num_parallel = 1;    // slots
    int flash_attention = -1;            // -1: lokal decides (sched::choose_flash_attention: off on the CPU only), else llama.cpp; 0 off, 1 on
    std::string kv_cache_type = "f16";   // K and V cache element type (config::is_kv_cache_type)
    uint64_t prompt_cache_bytes = 0;     // host RAM for conversations that lost their slot (engine/prompt_cache.h)
    bool use_mmap = true;
    bool debug = false;

    bool operator==(const load_params &) const = default;

    // Quantized K/V caches exist only with flash attention in llama.cpp.
    bool kv_cache_needs_flash_attention() const {
        return kv_cache_type != "f16" && kv_cache_type != "f32" && kv_cache_type != "bf16";
    }
};

struct sampling_params {
    int64_t seed = -1;       // -1: random
    int top_k = 40;
    float top_p = 0.9f;
    float min_p = 0.0f;
    float typical_p = 1.0f;
    float temperature = 0.8f;
    int repeat_last_n = 64;
    float repeat_penalty = 1.1f;
    float presence_penalty = 0.0f;
    float frequency_penalty = 0.0f;
};

struct completion_request {
    std::string prompt;              // rendered text; special tokens are parsed
    std::vector<int32_t> context;    // tokens from an earlier /api/generate, placed before prompt
    int num_predict = -1;            // -1: until EOS or context full; -2: fill the context
    int num_keep = 4;                // tokens kept when the context shifts
    bool shift = true;               // false: a full context ends the answer with "length"
    std::vector<std::string> stop;
    sampling_params sampling;
    json format = nullptr;           // Ollama's format: null, "json" or a JSON schema
    // Constrain by format only once this text has been generated (the end of
    // a thinking block), so a thinking model thinks freely first.
    std::string format_after;
    std::string format_prefix;       // literal text the format's JSON follows (a tool-call tag)
    std::string grammar;             // raw GBNF (root rule "root"); excludes format
    // A lazy grammar waits until one of these regexes matches the output and
    // constrains from the match on (tool calls from a chat template).
    bool grammar_lazy = false;
    std::vector<std::string> grammar_triggers;
    // Special tokens to print as text (tool-call and thinking markers the
    // output parser must see); others are not printed.
    std::vector<std::string> preserved_tokens;
    bool want_context = false;       // return prompt+output tokens in the final stats
    // Image files (PNG, JPEG, ...), one for each media_marker() in prompt, in
    // order; needs a model loaded with a projector.
    std::vector<std::string> images;
    // Prompt-lookup speculative decoding: draft up to this many tokens per
    // step by finding the latest n-gram in the text so far that matches its
    // end, and let the model verify them in the same batch (0: off). The
    // output is what sampling alone would give; repetitive output (code
    // edits, quotes from the prompt) comes faster.
    int ngram_draft = 0;
    // With a draft model loaded (the model's DRAFT): draft up to this many
    // tokens per step with it, greedily (Ollama's draft_num_predict,
    // llama-server's --spec-draft-n-max; 0: off). Fewer than draft_min
    // tokens are not worth a check and are dropped; drafting stops at a
    // token the draft model gives less than draft_p_min probability. It
    // takes precedence over ngram_draft. The output does not change.
    int draft_num_predict = 0;
    int draft_min = 0;
    float draft_p_min = 0.0f;
    bool logprobs = false;           // report each output token's log probability
    int top_logprobs = 0;            // and this many most likely alternatives (0-20)
};

// A token's log probability under the model's raw distribution (log-softmax
// of the logits, before temperature or any other sampling transform).
struct token_logprob {
    std::string token;               // the token's text (raw bytes, maybe partial UTF-8)
    double logprob = 0;
};

struct output_logprob {
    token_logprob chosen;
    std::vector<token_logprob> top;  // most likely first; empty unless top_logprobs > 0
};

struct completion_stats {
    std::string done_reason;         // "stop" or "length"
    int prompt_eval_count = 0;       // prompt tokens, cached ones included (as Ollama counts)
    int prompt_cached = 0;           // of those, tokens whose KV cache was reused
    int prompt_restored = 0;         // of those, tokens restored from the host-RAM prompt cache
    std::chrono::nanoseconds prompt_eval_duration{0};
    int eval_count = 0;
    std::chrono::nanoseconds eval_duration{0};
    int draft_tokens = 0;            // tokens drafted (prompt lookup or draft model)
    int draft_accepted = 0;          // of those, the ones the model confirmed
    std::vector<int32_t> context;
};

// One item of a result stream: a piece of text, an error, or the end.
struct stream_item {
    enum class kind { chunk, error, done };
    kind type = kind::chunk;
    std::string text;                // chunk
    lokal::error err;                // error
    completion_stats stats;          // done
    // With completion_request::logprobs: the output tokens since the last
    // item (on a chunk, those whose text it carries; on done, any left).
    std::vector<output_logprob> logprobs;

    static stream_item chunk(std::string text, std::vector<output_logprob> lp = {});
    static stream_item failure(error err);
    static stream_item done(completion_stats stats, std::vector<output_logprob> lp = {});
};

class completion_stream {
public:
    virtual ~completion_stream() = default;  // cancels if not finished
    // Blocks until the next item. After done or error, keeps returning it.
    virtual stream_item next() = 0;
    // Like next(), but gives up after timeout (so the caller can check
    // whether its client is still there).
    virtual std::optional<stream_item> next_for(std::chrono::milliseconds timeout) = 0;
};

struct chat_message {
    std::string role;
    std::string content;
    std::string thinking = {};
    json tool_calls = nullptr;       // Ollama's wire shape
    std::string tool_name = {};
    std::string tool_call_id = {};
};

// A chat rendered with the model's own (Jinja) template, with tools and
// thinking, as libcommon does it for llama-server.
struct chat_template_request {
    std::vector<chat_message> messages;
    json tools = nullptr;            // Ollama's/OpenAI's tools array
    std::string tool_choice = "auto";  // auto | none | required
    bool think = false;              // enable_thinking
    std::string think_level;         // "low" | "medium" | "high": reasoning_effort for templates that read it
};

struct chat_prompt {
    std::string prompt;
    // Constraint for the output when the template asks for one (tool_choice
    // required, or lazy: only once a tool call starts).
    std::string grammar;
    bool grammar_lazy = false;
    std::vector<std::string> grammar_triggers;
    std::vector<std::string> stops;  // extra stop strings of the format
    std::vector<std::string> preserved_tokens;
    std::string thinking_end;        // the tag that ends thinking, when thinking is on
    // For a forced tool call on a Go template: the call's JSON schema and the
    // tag before it (used as the completion's format and format_prefix).
    json tool_call_schema = nullptr;
    std::string tool_call_prefix;
    // Images of the messages that truncation dropped (the request's first
    // ones): [img-N] tags count from the first image kept.
    std::size_t images_dropped = 0;
    std::unique_ptr<chat::output_parser> parser;  // splits the output into content/thinking/tool calls
};

// Embeds texts: one vector per input, pooled the model's way (its own
// pooling type; the last token's hidden state for generative models), not
// normalised.
struct embed_request {
    std::vector<std::string> inputs;
    bool truncate = true;            // false: an input longer than the context is an error
    // Reranking (models with rank pooling): each input is a document scored
    // against this query; each result is one score.
    bool rerank = false;
    std::string query;
};

struct embed_result {
    std::vector<std::vector<float>> embeddings;
    int prompt_tokens = 0;           // tokens evaluated over all inputs
};

struct tokenize_options {
    bool add_special = false;        // BOS/EOS as the model adds them
    bool parse_special = true;       // "<start_of_turn>" in the text becomes its special token
};

struct model_facts {
    uint64_t size_bytes = 0;         // weights + context buffers (the draft model's included), for /api/ps
    uint64_t vram_bytes = 0;
    int context_length = 0;          // per slot, as loaded
    int train_context_length = 0;
    bool has_chat_template = false;
    bool vision = false;             // a projector is loaded: prompts may carry images
    int n_embd = 0;                  // length of an embedding vector
    int n_vocab = 0;
    // Ollama kept /api/embeddings un-normalised for some older embedding
    // models (BERT, nomic-bert); their legacy vectors stay raw.
    bool legacy_embeddings_raw = false;
    std::string chat_template = {};  // the GGUF's Jinja source (Ollama's capability heuristics read it)
    uint64_t draft_size_bytes = 0;   // of size_bytes, the draft model's; 0: no draft model loaded
};

class runner {
public:
    virtual ~runner() = default;

    virtual const load_params & params() const = 0;
    virtual model_facts facts() const = 0;

    // Renders messages with the model's own chat template (libcommon/Jinja).
    virtual result<std::string> apply_chat_template(const std::vector<chat_message> & messages) = 0;

    // The same with tools and thinking, plus the parser for the output.
    // The default (fakes) renders the messages only and passes text through.
    virtual result<chat_prompt> render_chat(const chat_template_request & req) {
        auto text = apply_chat_template(req.messages);
        if (!text) return text.err();
        chat_prompt p;
        p.prompt = std::move(*text);
        p.parser = std::make_unique<chat::plain_parser>();
        return p;
    }

    virtual result<std::unique_ptr<completion_stream>> submit(completion_request req) = 0;

    // Runs on the inference thread (so never races generation), several
    // inputs per decode. Blocks until done; client_gone is polled on the
    // caller's thread and ends the wait (and the work) with errc::canceled.
    virtual result<embed_result> embed(const embed_request & req, const std::function<bool()> & client_gone);

    // The model's tokenizer; thread-safe. Token ids are checked: an id
    // outside the vocabulary is an error, never undefined behaviour.
    virtual result<std::vector<int32_t>> tokenize(const std::string & text, const tokenize_options & opts);
    virtual result<std::string> token_piece(int32_t token);
    virtual result<std::string> detokenize(const std::vector<int32_t> & tokens);

    // Requests in flight (queued or running); the scheduler never unloads a
    // busy runner.
    virtual int active() const = 0;

    // Fails every queued and running request and stops the inference
    // thread; later submits fail. Used at shutdown while leases still exist.
    virtual void stop() = 0;
};

// The text that stands for an image in a prompt (llama.cpp's media marker).
std::string media_marker();

// Loads a model with llama.cpp. Thread-safe; may take seconds.
result<std::unique_ptr<runner>> load_llama_runner(const load_params & params);

// Sets up llama.cpp's backends and logging once per process.
void init_backend(bool debug);

}  // namespace lokal::engine
