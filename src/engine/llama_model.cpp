#include "engine/llama_model.h"

#include "engine/chat_adapter.h"
#include "engine/devices.h"

#include <common.h>
#include <mtmd-helper.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>

namespace lokal::engine {

namespace {

bool g_debug = false;

void log_callback(ggml_log_level level, const char * text, void *) {
    // llama.cpp is chatty; without LOKAL_DEBUG only its errors reach stderr.
    if (g_debug || level == GGML_LOG_LEVEL_ERROR) std::fputs(text, stderr);
}

// A KV-cache type by its ggml name ("q8_0"); names were checked upstream.
ggml_type cache_type(const std::string & name) {
    for (int t = 0; t < GGML_TYPE_COUNT; ++t) {
        const char * n = ggml_type_name(static_cast<ggml_type>(t));
        if (n != nullptr && name == n) return static_cast<ggml_type>(t);
    }
    return GGML_TYPE_F16;
}

std::string meta(const llama_model * model, const std::string & key) {
    char buf[256];
    int n = llama_model_meta_val_str(model, key.c_str(), buf, sizeof buf);
    return n < 0 ? std::string() : std::string(buf, std::min<size_t>(static_cast<size_t>(n), sizeof buf - 1));
}

// The GGUF's Jinja chat template through libcommon; null when the model has
// none or libcommon cannot parse it (prompts are then the plain text).
common_chat_templates_ptr chat_templates(const llama_model * model) {
    char buf[8];
    if (llama_model_meta_val_str(model, "tokenizer.chat_template", buf, sizeof buf) < 0) return nullptr;
    try {
        return common_chat_templates_init(model, "");
    } catch (const std::exception &) {
        return nullptr;
    }
}


// Ollama's rule (legacyEmbeddingsWereRaw): /api/embeddings stayed raw for
// embedding models whose old runner path did not normalise: BERT with a
// non-BERT tokenizer or normalize_embeddings=false, nomic-bert unless
// normalize_embeddings=true.
bool legacy_embeddings_raw(const llama_model * model) {
    const std::string arch = meta(model, "general.architecture");
    if (arch.empty() || meta(model, arch + ".pooling_type").empty()) return false;
    const std::string norm = meta(model, arch + ".normalize_embeddings");
    if (arch == "bert") {
        std::string tok = meta(model, "tokenizer.ggml.model");
        if (!tok.empty() && tok != "bert") return true;
        return norm == "false";
    }
    if (arch == "nomic-bert" || arch == "nomic-bert-moe") return norm != "true";
    return false;
}

}  // namespace

// A quantized cache stores blocks of 32 values, so every attention head
// must be a whole number of blocks; llama.cpp only logs the refusal.
status check_cache_type(const llama_model * model, const std::string & name) {
    const ggml_type t = cache_type(name);
    if (!ggml_is_quantized(t)) return {};
    const int64_t block = ggml_blck_size(t);
    const std::string arch = meta(model, "general.architecture");
    const int64_t fallback = llama_model_n_embd(model) / std::max(1, llama_model_n_head(model));
    for (const char * key : {".attention.key_length", ".attention.value_length"}) {
        std::string v = meta(model, arch + key);
        const int64_t head = v.empty() ? fallback : std::atoll(v.c_str());
        if (head % block != 0) {
            return make_error(errc::invalid_request,
                              "kv_cache_type " + name + " cannot be used with this model: its attention head size (" +
                                  std::to_string(head) + ") is not a multiple of " + std::to_string(block));
        }
    }
    return {};
}

// One sequence per slot, each with num_ctx tokens, never more than the
// model was trained for (as Ollama clamps it).
llama_context_params generation_context_params(const load_params & p, const llama_model * model) {
    const int n_seq = std::max(1, p.num_parallel);
    llama_context_params cp = llama_context_default_params();
    int n_ctx = p.num_ctx;
    if (int train = llama_model_n_ctx_train(model); train > 0) n_ctx = std::min(n_ctx, train);
    cp.n_ctx = static_cast<uint32_t>(std::max(n_ctx, 8)) * n_seq;
    cp.n_batch = static_cast<uint32_t>(std::max(p.num_batch, n_seq));
    cp.n_ubatch = std::min<uint32_t>(cp.n_batch, 512);
    cp.n_seq_max = static_cast<uint32_t>(n_seq);
    cp.kv_unified = false;
    // Sliding-window layers get a cache of their window plus one batch, not
    // num_ctx: less memory, and attention there no longer grows with the
    // chat (llama-server's default too). llama_runner::keep_prefix handles
    // what that means for prefix reuse, and llama_runner::verify_drafts for
    // drafted tokens the model rejects (with a DRAFT or prompt lookup).
    cp.swa_full = false;
    cp.flash_attn_type = p.flash_attention < 0    ? LLAMA_FLASH_ATTN_TYPE_AUTO
                         : p.flash_attention == 0 ? LLAMA_FLASH_ATTN_TYPE_DISABLED
                                                  : LLAMA_FLASH_ATTN_TYPE_ENABLED;
    cp.type_k = cp.type_v = cache_type(p.kv_cache_type);
    int threads = p.num_thread > 0 ? p.num_thread : common_cpu_get_num_math();
    cp.n_threads = threads;
    cp.n_threads_batch = threads;
    cp.no_perf = true;
    return cp;
}

llama_model_params model_params(const load_params & p) {
    llama_model_params mp = llama_model_default_params();
    mp.n_gpu_layers = p.num_gpu;
    mp.main_gpu = p.main_gpu;
    if (!p.use_mmap) mp.load_mode = LLAMA_LOAD_MODE_NONE;
    return mp;
}

std::string media_marker() { return mtmd_default_marker(); }

void init_backend(bool debug) {
    static std::once_flag once;
    std::call_once(once, [debug] {
        g_debug = debug;
        llama_log_set(log_callback, nullptr);
        mtmd_helper_log_set(log_callback, nullptr);
        llama_backend_init();
    });
}

result<std::unique_ptr<llama_model_handle>> llama_model_handle::load(const load_params & p) {
    init_backend(p.debug);
    std::error_code ec;
    if (!std::filesystem::is_regular_file(p.model_path, ec)) {
        return make_error(errc::not_found, "model file is missing from the store");
    }
    auto h = std::make_unique<llama_model_handle>();

    h->model_.reset(llama_model_load_from_file(p.model_path.c_str(), model_params(p)));
    if (!h->model_) {
        return make_error(errc::invalid_request, "llama.cpp could not load the model (unsupported or corrupt GGUF)");
    }

    for (const auto & path : p.adapter_paths) {
        llama_adapter_lora_ptr a(llama_adapter_lora_init(h->model_.get(), path.c_str()));
        if (!a) return make_error(errc::invalid_request, "llama.cpp could not load an adapter of this model");
        h->adapters_.push_back(std::move(a));
    }

    if (auto st = check_cache_type(h->model_.get(), p.kv_cache_type); !st) return st.err();
    h->ctx_ = h->new_context(generation_context_params(p, h->model_.get()));
    if (!h->ctx_) {
        return make_error(errc::unavailable, "llama.cpp could not create a context (num_ctx " +
                                                 std::to_string(p.num_ctx) + " too large for memory?)");
    }

    h->templates_ = chat_templates(h->model_.get());
    if (!p.projector_path.empty()) {
        mtmd_context_params mp = mtmd_context_params_default();
        mp.use_gpu = p.num_gpu != 0;
        mp.n_threads = p.num_thread > 0 ? p.num_thread : common_cpu_get_num_math();
        mp.print_timings = false;
        mp.warmup = false;
        h->mtmd_.reset(mtmd_init_from_file(p.projector_path.c_str(), h->model_.get(), mp));
        if (!h->mtmd_) {
            return make_error(errc::invalid_request, "llama.cpp could not load the model's projector (vision) layer");
        }
    }

    auto & f = h->facts_;
    f.context_length = static_cast<int>(llama_n_ctx_seq(h->ctx_.get()));
    f.train_context_length = llama_model_n_ctx_train(h->model_.get());
    f.size_bytes = llama_model_size(h->model_.get()) + llama_state_get_size(h->ctx_.get());
    f.vram_bytes = 0;
    if (auto use = context_memory(h->ctx_.get()); use.device > 0) {
        // On GPUs: what llama.cpp allocated where. With every layer
        // offloaded the model counts as all GPU, as in Ollama's /api/ps,
        // though the token embeddings stay in system memory.
        f.size_bytes = use.host + use.device;
        const bool all_layers = p.num_gpu < 0 || p.num_gpu > llama_model_n_layer(h->model_.get());
        f.vram_bytes = all_layers ? f.size_bytes : use.device;
    }
    f.has_chat_template = h->templates_ != nullptr;
    f.vision = h->mtmd_ && mtmd_support_vision(h->mtmd_.get());
    f.n_embd = llama_model_n_embd_out(h->model_.get());
    f.n_vocab = llama_vocab_n_tokens(h->vocab());
    f.legacy_embeddings_raw = legacy_embeddings_raw(h->model_.get());
    h->n_threads_ = p.num_thread > 0 ? p.num_thread : common_cpu_get_num_math();
    f.chat_template = h->chat_template_source();
    return h;
}

std::vector<llama_token> llama_model_handle::tokenize(const std::vector<int32_t> & context,
                                                      const std::string & prompt) const {
    std::vector<llama_token> out(context.begin(), context.end());
    if (prompt.empty()) return out;
    auto toks = tokenize_text(prompt, context.empty(), true);
    out.insert(out.end(), toks.begin(), toks.end());
    return out;
}

std::vector<llama_token> llama_model_handle::tokenize_text(const std::string & text, bool add_special,
                                                           bool parse_special) const {
    const auto len = static_cast<int32_t>(text.size());
    int n = -llama_tokenize(vocab(), text.data(), len, nullptr, 0, add_special, parse_special);
    if (n <= 0) return {};
    std::vector<llama_token> toks(n);
    n = llama_tokenize(vocab(), text.data(), len, toks.data(), n, add_special, parse_special);
    toks.resize(std::max(0, n));
    return toks;
}

llama_context_ptr llama_model_handle::new_context(const llama_context_params & cp) const {
    llama_context_ptr ctx(llama_init_from_model(model_.get(), cp));
    if (ctx && !adapters_.empty()) {
        std::vector<llama_adapter_lora *> ptrs;
        std::vector<float> scales;
        for (const auto & a : adapters_) {
            ptrs.push_back(a.get());
            scales.push_back(1.0f);
        }
        llama_set_adapters_lora(ctx.get(), ptrs.data(), ptrs.size(), scales.data());
    }
    return ctx;
}

std::string llama_model_handle::piece(llama_token tok, bool special) const {
    char buf[256];
    int n = llama_token_to_piece(vocab(), tok, buf, sizeof buf, 0, special);
    if (n >= 0) return std::string(buf, n);
    std::string big(static_cast<size_t>(-n), '\0');
    n = llama_token_to_piece(vocab(), tok, big.data(), static_cast<int32_t>(big.size()), 0, special);
    big.resize(std::max(0, n));
    return big;
}

result<std::string> llama_model_handle::apply_chat_template(const std::vector<chat_message> & messages) {
    if (!facts_.has_chat_template) {
        // No template in the GGUF: the prompt is the messages' text, as
        // Ollama's default "{{ .Prompt }}" template renders it.
        std::string out;
        for (const auto & m : messages) out += m.content;
        return out;
    }
    common_chat_templates_inputs in;
    for (const auto & m : messages) {
        common_chat_msg cm;
        cm.role = m.role;
        cm.content = m.content;
        in.messages.push_back(std::move(cm));
    }
    in.add_generation_prompt = true;
    in.use_jinja = true;
    std::lock_guard<std::mutex> lock(template_mu_);
    try {
        return common_chat_templates_apply(templates_.get(), in).prompt;
    } catch (const std::exception & e) {
        return make_error(errc::invalid_request, std::string("chat template failed: ") + e.what());
    }
}

result<chat_prompt> llama_model_handle::render_chat(const chat_template_request & req) {
    if (!facts_.has_chat_template) {
        auto text = apply_chat_template(req.messages);
        if (!text) return text.err();
        chat_prompt p;
        p.prompt = std::move(*text);
        p.parser = std::make_unique<chat::plain_parser>();
        return p;
    }
    std::lock_guard<std::mutex> lock(template_mu_);
    return render_chat_with_templates(templates_.get(), req);
}

std::string llama_model_handle::chat_template_source() const {
    if (!templates_) return "";
    return common_chat_templates_source(templates_.get());
}

}  // namespace lokal::engine
