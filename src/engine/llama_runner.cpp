// The runner on libllama: one inference thread per loaded model, a fixed set
// of slots (one llama sequence each), and continuous batching: every step
// decodes one batch holding the next token of each generating slot plus as
// much pending prompt as fits.
#include "core/meminfo.h"
#include "engine/draft_model.h"
#include "engine/llama_embed.h"
#include "engine/llama_model.h"
#include "engine/logprobs.h"
#include "engine/prompt_cache.h"
#include "engine/runner.h"
#include "engine/slot.h"
#include "engine/speculative.h"

#include <chat.h>
#include <common.h>
#include <llama-cpp.h>
#include <llama.h>
#include <sampling.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <set>
#include <thread>

namespace lokal::engine {

namespace {

class llama_runner final : public runner {
public:
    llama_runner(std::unique_ptr<llama_model_handle> m, std::unique_ptr<draft_model> d, load_params p)
        : model_(std::move(m)), params_(std::move(p)), plan_(plan_embeddings(*model_, params_)), embedder_(*model_, plan_),
          spec_(std::move(d), model_->facts().context_length, params_.num_batch,
                static_cast<int>(llama_n_ubatch(model_->ctx()))),
          // A recurrent state cannot be cut back to a shorter prefix: only
          // attention caches are saved.
          saved_(llama_model_is_recurrent(model_->model()) || llama_model_is_hybrid(model_->model())
                     ? 0
                     : params_.prompt_cache_bytes,
                 llama_model_n_swa(model_->model())) {
        int n = std::max(1, params_.num_parallel);
        slots_.resize(n);
        for (int i = 0; i < n; ++i) slots_[i].id = i;
        batch_ = llama_batch_init(std::max(params_.num_batch, n), 0, 1);
        worker_ = std::thread([this] { loop(); });
    }

    ~llama_runner() override {
        stop();
        llama_batch_free(batch_);
    }

    void stop() override {
        {
            std::lock_guard<std::mutex> lock(mu_);
            stopping_ = true;
        }
        cv_.notify_all();
        std::lock_guard<std::mutex> lock(join_mu_);
        if (worker_.joinable()) worker_.join();
    }

    const load_params & params() const override { return params_; }
    model_facts facts() const override {
        model_facts f = model_->facts();
        f.size_bytes += spec_.draft_bytes();
        f.draft_size_bytes = spec_.draft_bytes();
        return f;
    }
    int active() const override { return active_.load(); }

    result<std::string> apply_chat_template(const std::vector<chat_message> & messages) override {
        return model_->apply_chat_template(messages);
    }

    result<chat_prompt> render_chat(const chat_template_request & req) override { return model_->render_chat(req); }

    result<std::unique_ptr<completion_stream>> submit(completion_request req) override {
        auto grammar = grammar_for(req, model_->vocab());
        if (!grammar) return grammar.err();
        auto t = std::make_unique<task>();
        t->out = std::make_shared<channel>();
        auto stream = std::make_unique<channel_stream>(t->out);
        if (req.images.empty()) {
            t->tokens = model_->tokenize(req.context, req.prompt);
        } else {
            if (!req.context.empty()) return make_error(errc::invalid_request, "images cannot be combined with context");
            auto mp = tokenize_media(*model_, req.prompt, req.images);
            if (!mp) return mp.err();
            t->tokens = mp->tokens;
            t->media = std::make_unique<media_prompt>(std::move(*mp));
        }
        t->grammar = std::move(*grammar);
        t->preserved = preserved_tokens(req.preserved_tokens);
        t->req = std::move(req);
        {
            std::lock_guard<std::mutex> lock(mu_);
            if (stopping_) return make_error(errc::unavailable, "the model is being unloaded");
            active_++;
            queue_.push_back(std::move(t));
        }
        cv_.notify_one();
        return std::unique_ptr<completion_stream>(std::move(stream));
    }

    result<embed_result> embed(const embed_request & req, const std::function<bool()> & client_gone) override;
    result<std::vector<int32_t>> tokenize(const std::string & text, const tokenize_options & opts) override;
    result<std::string> token_piece(int32_t token) override;
    result<std::string> detokenize(const std::vector<int32_t> & tokens) override;

private:
    // Tokens of the texts that are one token each.
    std::set<llama_token> preserved_tokens(const std::vector<std::string> & texts) const {
        std::set<llama_token> out;
        for (const auto & text : texts) {
            auto toks = model_->tokenize({1}, text);  // a context in front: no BOS
            if (toks.size() == 2) out.insert(toks[1]);
        }
        return out;
    }

    void loop();
    void take_embed_jobs();
    void assign_tasks();
    size_t use_saved_prompts(slot & s, bool media);
    void save_slot(const slot & s);
    size_t restore_slot(slot & s, saved_prompt p);
    void start(slot & s, std::unique_ptr<task> t, size_t restored);
    void fill_batch();
    void after_decode();
    void verify_drafts(slot & s);
    void emit_token(slot & s, llama_token tok);
    void record_logprobs(slot & s, llama_token tok);
    void sample_and_emit(slot & s);
    void image_step();
    size_t keep_prefix(slot & s, size_t reuse);
    bool window_held(const slot & s, llama_pos next_pos) const;
    void add_replay(slot & s, int budget);
    void finish(slot & s, const std::string & reason);
    void fail(slot & s, const error & err);
    void release(slot & s);
    bool make_room(slot & s);

    std::unique_ptr<llama_model_handle> model_;
    load_params params_;
    std::vector<slot> slots_;
    llama_batch batch_{};
    std::mutex mu_;
    std::mutex join_mu_;
    std::condition_variable cv_;
    std::deque<std::unique_ptr<task>> queue_;
    embed_plan plan_;
    embedder embedder_;                                    // inference thread only
    std::deque<std::shared_ptr<embed_job>> embed_queue_;  // guarded by mu_
    bool stopping_ = false;
    std::atomic<int> active_{0};
    speculator spec_;
    prompt_cache saved_;  // inference thread only
    std::thread worker_;
};

void llama_runner::loop() {
    for (;;) {
        {
            std::unique_lock<std::mutex> lock(mu_);
            bool any_busy = embedder_.busy() ||
                            std::any_of(slots_.begin(), slots_.end(), [](const slot & s) { return s.busy(); });
            if (!any_busy) cv_.wait(lock, [&] { return stopping_ || !queue_.empty() || !embed_queue_.empty(); });
            if (stopping_) break;
        }
        // One embedding decode, then one generation decode: neither starves.
        take_embed_jobs();
        embedder_.step();
        for (auto & s : slots_) {
            if (s.busy() && s.t->out->canceled()) release(s);
        }
        assign_tasks();
        image_step();
        spec_.propose(slots_);
        fill_batch();
        if (batch_.n_tokens == 0) continue;
        int rc = llama_decode(model_->ctx(), batch_);
        if (rc != 0) {
            error err = make_error(errc::internal, "llama_decode failed with code " + std::to_string(rc));
            for (auto & s : slots_) {
                if (s.busy()) {
                    llama_memory_seq_rm(llama_get_memory(model_->ctx()), s.id, -1, -1);
                    s.cached.clear();
                    fail(s, err);
                }
            }
            continue;
        }
        after_decode();
    }
    for (auto & s : slots_) {
        if (s.busy()) fail(s, make_error(errc::unavailable, "the model was unloaded (server shutting down?)"));
    }
    take_embed_jobs();
    embedder_.fail_all(make_error(errc::unavailable, "the model was unloaded (server shutting down?)"));
    std::lock_guard<std::mutex> lock(mu_);
    for (auto & t : queue_) {
        t->out->push(stream_item::failure(make_error(errc::unavailable, "the model was unloaded (server shutting down?)")));
        active_--;
    }
}

void llama_runner::take_embed_jobs() {
    std::deque<std::shared_ptr<embed_job>> jobs;
    {
        std::lock_guard<std::mutex> lock(mu_);
        jobs.swap(embed_queue_);
    }
    for (auto & j : jobs) embedder_.add(std::move(j));
}

result<embed_result> llama_runner::embed(const embed_request & req, const std::function<bool()> & client_gone) {
    auto job = make_embed_job(*model_, plan_, req);
    if (!job) return job.err();
    auto done = (*job)->promise.get_future();
    {
        std::lock_guard<std::mutex> lock(mu_);
        if (stopping_) return make_error(errc::unavailable, "the model is being unloaded");
        active_++;
        embed_queue_.push_back(*job);
    }
    cv_.notify_one();
    // The job stays alive in the queue if we stop waiting; the flag makes
    // the inference thread drop it.
    while (done.wait_for(std::chrono::milliseconds(250)) != std::future_status::ready) {
        if (client_gone && client_gone()) {
            (*job)->canceled = true;
            active_--;
            return make_error(errc::canceled, "client disconnected");
        }
    }
    active_--;
    return done.get();
}

result<std::vector<int32_t>> llama_runner::tokenize(const std::string & text, const tokenize_options & opts) {
    auto toks = model_->tokenize_text(text, opts.add_special, opts.parse_special);
    return std::vector<int32_t>(toks.begin(), toks.end());
}

result<std::string> llama_runner::token_piece(int32_t token) {
    if (!model_->valid_token(token)) return make_error(errc::invalid_request, "invalid token id " + std::to_string(token));
    return model_->piece(token, true);
}

result<std::string> llama_runner::detokenize(const std::vector<int32_t> & tokens) {
    std::string out;
    for (auto t : tokens) {
        auto p = token_piece(t);
        if (!p) return p.err();
        out += *p;
    }
    return out;
}

// Moves queued tasks into idle slots, preferring the slot whose cache shares
// the longest prefix with the new prompt (a chat's next turn lands where its
// history already is).
void llama_runner::assign_tasks() {
    for (;;) {
        std::unique_ptr<task> t;
        {
            std::lock_guard<std::mutex> lock(mu_);
            if (queue_.empty()) return;
            bool any_idle = std::any_of(slots_.begin(), slots_.end(), [](const slot & s) { return !s.busy(); });
            if (!any_idle) return;
            t = std::move(queue_.front());
            queue_.pop_front();
        }
        if (t->out->canceled()) {
            t->out->push(stream_item::failure(make_error(errc::canceled, "canceled")));
            active_--;
            continue;
        }
        auto tokens = std::move(t->tokens);
        slot * best = nullptr;
        size_t best_len = 0;
        for (auto & s : slots_) {
            if (s.busy()) continue;
            size_t len = common_prefix(s.cached, tokens);
            if (!best || len > best_len) {
                best = &s;
                best_len = len;
            }
        }
        best->prompt = std::move(tokens);
        const size_t restored = use_saved_prompts(*best, t->media != nullptr);
        start(*best, std::move(t), restored);
    }
}

// With more conversations than slots: a saved conversation that serves more
// of the slot's new prompt than the slot's own cache takes the slot's place,
// and a history the new prompt would mostly discard is saved first (its
// conversation may come back). A prompt with images starts afresh (see
// start()), so it takes nothing. Returns how many tokens were restored.
size_t llama_runner::use_saved_prompts(slot & s, bool media) {
    if (!saved_.enabled()) return 0;
    // Below this many tokens a history is cheaper to evaluate again than to keep.
    constexpr size_t k_min_saved = 64;
    const int32_t pos_min = llama_memory_seq_pos_min(llama_get_memory(model_->ctx()), s.id);
    const size_t own = media ? 0
                             : usable_prefix(common_prefix(s.cached, s.prompt), s.prompt.size(), pos_min,
                                             llama_model_n_swa(model_->model()));
    auto p = media ? std::nullopt : saved_.take(s.prompt, own);
    if (p || s.cached.size() >= own + k_min_saved) save_slot(s);
    return p ? restore_slot(s, std::move(*p)) : 0;
}

void llama_runner::save_slot(const slot & s) {
    // Never into swap: a copy that would leave the machine short is not made.
    constexpr uint64_t k_ram_margin = 1ull << 30;
    llama_context * ctx = model_->ctx();
    const size_t size = llama_state_seq_get_size_ext(ctx, s.id, LLAMA_STATE_SEQ_FLAGS_NONE);
    if (s.cached.empty() || size == 0 || size > params_.prompt_cache_bytes ||
        available_system_memory() < size + k_ram_margin) {
        return;
    }
    saved_prompt p{s.cached, std::vector<uint8_t>(size), llama_memory_seq_pos_min(llama_get_memory(ctx), s.id)};
    if (llama_state_seq_get_data_ext(ctx, p.state.data(), size, s.id, LLAMA_STATE_SEQ_FLAGS_NONE) != size) return;
    saved_.put(std::move(p));
}

size_t llama_runner::restore_slot(slot & s, saved_prompt p) {
    llama_context * ctx = model_->ctx();
    llama_memory_seq_rm(llama_get_memory(ctx), s.id, -1, -1);
    s.cached.clear();
    if (llama_state_seq_set_data_ext(ctx, p.state.data(), p.state.size(), s.id, LLAMA_STATE_SEQ_FLAGS_NONE) == 0) {
        llama_memory_seq_rm(llama_get_memory(ctx), s.id, -1, -1);  // a partial restore: start afresh
        return 0;
    }
    s.cached = std::move(p.tokens);
    return s.cached.size();
}

void llama_runner::start(slot & s, std::unique_ptr<task> t, size_t restored) {
    s.t = std::move(t);
    const auto & req = s.t->req;
    const int n_ctx = model_->facts().context_length;

    if (s.prompt.empty()) {
        fail(s, make_error(errc::invalid_request, "prompt is empty after tokenization"));
        return;
    }
    if (s.t->media && static_cast<int>(s.prompt.size()) >= n_ctx) {
        fail(s, make_error(errc::invalid_request, "the prompt with its images does not fit the context (num_ctx " +
                                                      std::to_string(n_ctx) + ")"));
        return;
    }
    // A prompt longer than the context keeps its first num_keep tokens and
    // its tail, as Ollama does.
    if (static_cast<int>(s.prompt.size()) >= n_ctx) {
        int keep = std::clamp(req.num_keep, 0, n_ctx / 2);
        size_t discard = s.prompt.size() - (n_ctx - 1);
        s.prompt.erase(s.prompt.begin() + keep, s.prompt.begin() + keep + discard);
    }

    // Reuse the cached prefix; at least the last prompt token is evaluated
    // again so that there are logits to sample from.
    // A prompt with images starts afresh: its image positions hold no token
    // ids, so the cache cannot tell a different image from the same one.
    size_t reuse = s.t->media ? 0 : std::min(common_prefix(s.cached, s.prompt), s.prompt.size() - 1);
    reuse = keep_prefix(s, reuse);
    s.cached.resize(reuse);
    s.n_prompt_done = reuse;
    s.prompt_restored = static_cast<int>(std::min(reuse, restored));

    common_params_sampling sp;
    const auto & p = req.sampling;
    sp.seed = p.seed < 0 ? LLAMA_DEFAULT_SEED : static_cast<uint32_t>(p.seed);
    sp.top_k = p.top_k;
    sp.top_p = p.top_p;
    sp.min_p = p.min_p;
    sp.typ_p = p.typical_p;
    sp.temp = p.temperature;
    // The penalties are applied by s.pen (engine/penalties.h), not by
    // llama.cpp's sampler, which walks the whole vocabulary for them.
    s.pen = penalties(penalty_params{p.repeat_last_n, p.repeat_penalty, p.frequency_penalty, p.presence_penalty}, n_ctx);
    sp.penalty_last_n = 0;
    const auto & g = s.t->grammar;
    if (!g.text.empty()) {
        sp.grammar = common_grammar(g.user ? COMMON_GRAMMAR_TYPE_USER : COMMON_GRAMMAR_TYPE_OUTPUT_FORMAT, g.text);
        sp.grammar_lazy = g.lazy;
        for (const auto & t : g.triggers) sp.grammar_triggers.push_back(common_grammar_trigger{COMMON_GRAMMAR_TRIGGER_TYPE_PATTERN, t, LLAMA_TOKEN_NULL});
    }
    try {
        s.sampler.reset(common_sampler_init(model_->model(), sp));
    } catch (const std::exception &) {
        s.sampler.reset();
    }
    if (!s.sampler) {
        fail(s, make_error(errc::invalid_request, "could not set up sampling (invalid grammar?)"));
        return;
    }
    // Like llama.cpp's own tools, the prompt feeds the repetition penalties.
    for (auto tok : s.prompt) {
        if (tok == LLAMA_TOKEN_NULL) continue;
        common_sampler_accept(s.sampler.get(), tok, false);
        s.pen.accept(tok);
    }

    s.generated.clear();
    s.text = std::make_unique<text_stream>(req.stop);
    s.next = -1;
    s.prompt_evaluated = 0;
    spec_.begin(s);
    s.t_prompt_start = clock_type::now();
}

// Drops the slot's cache past its first `reuse` tokens and returns how many
// are really kept. Models with sliding-window layers run with llama.cpp's
// small window cache (as llama-server does): those layers keep only about
// the last n_swa + n_ubatch positions, which makes long chats cheaper to
// continue, but a prefix ending further back than that has lost the window
// it needs and is evaluated again. Recurrent caches cannot cut a tail at all.
size_t llama_runner::keep_prefix(slot & s, size_t reuse) {
    llama_memory_t mem = llama_get_memory(model_->ctx());
    if (reuse > 0 && !window_held(s, static_cast<llama_pos>(reuse))) reuse = 0;
    if (!llama_memory_seq_rm(mem, s.id, static_cast<llama_pos>(reuse), -1)) {
        llama_memory_seq_rm(mem, s.id, -1, -1);
        reuse = 0;
    }
    return reuse;
}

// Whether the slot's sliding-window layers still hold every position a
// token at next_pos attends to (engine/prompt_cache.h's window_holds).
bool llama_runner::window_held(const slot & s, llama_pos next_pos) const {
    return window_holds(llama_memory_seq_pos_min(llama_get_memory(model_->ctx()), s.id), next_pos,
                        llama_model_n_swa(model_->model()));
}

// Evaluates the image of at most one slot whose prompt has reached one
// (mtmd runs its own decodes): between images, and while the text around
// them goes through the ordinary batches, the other slots keep generating.
// An image that ends the prompt gives the logits of its first token.
void llama_runner::image_step() {
    for (auto & s : slots_) {
        if (!s.prompting() || !s.t->media) continue;
        const auto * img = media_at(*s.t->media, s.n_prompt_done);
        if (!img) continue;
        const bool last = img->pos + img->n_pos == s.prompt.size();
        if (auto st = eval_image(*model_, *s.t->media, *img, s.id, std::max(1, params_.num_batch), last); !st) {
            llama_memory_seq_rm(llama_get_memory(model_->ctx()), s.id, -1, -1);
            s.cached.clear();
            fail(s, st.err());
            return;
        }
        s.cached.insert(s.cached.end(), img->n_pos, LLAMA_TOKEN_NULL);
        s.n_prompt_done += img->n_pos;
        s.prompt_evaluated += static_cast<int>(img->n_pos);
        if (last) {
            s.t_gen_start = clock_type::now();
            s.batch_index = -1;  // the logits of mtmd's last decode
            sample_and_emit(s);
        }
        return;
    }
}

// Builds one batch: first the pending token of every generating slot, then
// prompt chunks until the batch is full.
void llama_runner::fill_batch() {
    common_batch_clear(batch_);
    for (auto & s : slots_) {
        s.batch_index = -1;
        if (!s.busy() || s.prompting() || s.next < 0) continue;
        if (!make_room(s)) continue;
        s.batch_index = batch_.n_tokens;
        common_batch_add(batch_, s.next, static_cast<llama_pos>(s.cached.size()), {s.id}, true);
        s.cached.push_back(s.next);
        s.next = -1;
    }
    const int budget = std::max(1, params_.num_batch);
    for (auto & s : slots_) {
        if (s.batch_index >= 0) spec_.add(s, batch_, budget - batch_.n_tokens);
    }
    for (auto & s : slots_) {
        if (!s.prompting()) continue;
        if (!s.replay.empty()) {
            add_replay(s, budget);
            continue;
        }
        while (s.n_prompt_done < s.prompt.size() && batch_.n_tokens < budget) {
            if (s.prompt[s.n_prompt_done] == LLAMA_TOKEN_NULL) break;  // an image: image_step's
            bool last = s.n_prompt_done + 1 == s.prompt.size();
            llama_token tok = s.prompt[s.n_prompt_done];
            if (last) s.batch_index = batch_.n_tokens;
            common_batch_add(batch_, tok, static_cast<llama_pos>(s.cached.size()), {s.id}, last);
            s.cached.push_back(tok);
            s.n_prompt_done++;
            s.prompt_evaluated++;
        }
    }
}

// Context shift: when a slot's sequence is full, drop the older half after
// the first num_keep tokens (Ollama's behaviour) or, for "shift": false,
// fill-the-context requests and caches that cannot shift, end with "length".
bool llama_runner::make_room(slot & s) {
    const int n_ctx = model_->facts().context_length;
    if (static_cast<int>(s.cached.size()) < n_ctx) return true;
    auto * mem = llama_get_memory(model_->ctx());
    if (!s.t->req.shift || s.t->req.num_predict == -2 || !llama_memory_can_shift(mem)) {
        finish(s, "length");
        return false;
    }
    int keep = std::clamp(s.t->req.num_keep, 0, n_ctx / 2);
    int discard = (static_cast<int>(s.cached.size()) - keep) / 2;
    llama_memory_seq_rm(mem, s.id, keep, keep + discard);
    llama_memory_seq_add(mem, s.id, keep + discard, -1, -discard);
    s.cached.erase(s.cached.begin() + keep, s.cached.begin() + keep + discard);
    spec_.shift(s.id, keep, discard);
    return true;
}

void llama_runner::after_decode() {
    for (auto & s : slots_) {
        if (!s.busy() || s.batch_index < 0 || s.prompting()) continue;
        if (s.generated.empty() && s.t_gen_start < s.t_prompt_start) s.t_gen_start = clock_type::now();
        if (s.spec.draft.empty()) {
            sample_and_emit(s);
        } else {
            verify_drafts(s);
        }
    }
}

// Drafted tokens the model did not confirm leave the KV cache. In a
// sliding-window cache the drafts took cells whose positions had left the
// window as seen from the sequence's end when they were taken; llama.cpp
// takes the oldest first and the speculator keeps a step within the spare
// cells, so no position the next token attends to is gone. Should one be
// gone all the same (cell order after other removals is llama.cpp's
// business), the slot evaluates its history again rather than decode with a
// hole in its window.
void llama_runner::verify_drafts(slot & s) {
    const size_t keep = spec_.verify(s, [this](slot & v) { sample_and_emit(v); });
    llama_memory_seq_rm(llama_get_memory(model_->ctx()), s.id, static_cast<llama_pos>(keep), -1);
    s.cached.resize(keep);
    if (!s.busy() || window_held(s, static_cast<llama_pos>(keep))) return;
    llama_memory_seq_rm(llama_get_memory(model_->ctx()), s.id, -1, -1);
    if (std::find(s.cached.begin(), s.cached.end(), LLAMA_TOKEN_NULL) != s.cached.end()) {
        s.cached.clear();
        fail(s, make_error(errc::internal, "the sliding-window cache lost positions of a prompt with images"));
        return;
    }
    s.replay = std::move(s.cached);
    s.cached.clear();
}

// Evaluates a slot's lost history again, without logits; its next token
// follows once all of it is back.
void llama_runner::add_replay(slot & s, int budget) {
    while (s.cached.size() < s.replay.size() && batch_.n_tokens < budget) {
        llama_token tok = s.replay[s.cached.size()];
        common_batch_add(batch_, tok, static_cast<llama_pos>(s.cached.size()), {s.id}, false);
        s.cached.push_back(tok);
    }
    if (s.cached.size() == s.replay.size()) s.replay.clear();
}

void llama_runner::sample_and_emit(slot & s) {
    float * logits = s.pen.active() ? llama_get_logits_ith(model_->ctx(), s.batch_index) : nullptr;
    const auto raw = logits ? s.pen.apply(logits, model_->facts().n_vocab) : std::vector<std::pair<int32_t, float>>{};
    llama_token tok = common_sampler_sample(s.sampler.get(), model_->ctx(), s.batch_index);
    if (logits) penalties::restore(logits, raw);
    common_sampler_accept(s.sampler.get(), tok, true);
    s.pen.accept(tok);
    if (s.t->req.logprobs && !llama_vocab_is_eog(model_->vocab(), tok)) record_logprobs(s, tok);
    emit_token(s, tok);
}

void llama_runner::record_logprobs(slot & s, llama_token tok) {
    const float * logits = llama_get_logits_ith(model_->ctx(), s.batch_index);
    if (!logits) return;
    auto raw = log_softmax_top(logits, model_->facts().n_vocab, tok, s.t->req.top_logprobs);
    output_logprob lp;
    lp.chosen = {model_->piece(tok), raw.chosen};
    for (const auto & [id, value] : raw.top) lp.top.push_back({model_->piece(id), value});
    s.logprobs.push_back(std::move(lp));
}

void llama_runner::emit_token(slot & s, llama_token tok) {
    const auto & req = s.t->req;
    if (llama_vocab_is_eog(model_->vocab(), tok)) {
        finish(s, "stop");
        return;
    }
    s.generated.push_back(tok);
    std::string text = s.text->push(model_->piece(tok, s.t->preserved.count(tok) > 0));
    // A token's log probability travels with the first chunk that carries
    // its text (text held back for a possible stop sequence comes later).
    if (!text.empty()) s.t->out->push(stream_item::chunk(std::move(text), std::move(s.logprobs)));
    s.logprobs.clear();
    if (s.text->stopped()) {
        finish(s, "stop");
        return;
    }
    int limit = req.num_predict;
    if (limit >= 0 && static_cast<int>(s.generated.size()) >= limit) {
        finish(s, "length");
        return;
    }
    s.next = tok;
}

void llama_runner::finish(slot & s, const std::string & reason) {
    // Tokens swallowed by a stop sequence are not output; their log
    // probabilities are dropped with their text.
    if (s.text->stopped()) s.logprobs.clear();
    std::string rest = s.text->flush();
    if (!rest.empty()) {
        s.t->out->push(stream_item::chunk(std::move(rest), std::move(s.logprobs)));
        s.logprobs.clear();
    }
    auto now = clock_type::now();
    completion_stats st;
    st.done_reason = reason;
    st.prompt_eval_count = static_cast<int>(s.prompt.size());
    st.prompt_cached = static_cast<int>(s.prompt.size()) - s.prompt_evaluated;
    st.prompt_restored = s.prompt_restored;
    bool generated_any = s.t_gen_start >= s.t_prompt_start;
    st.prompt_eval_duration = (generated_any ? s.t_gen_start : now) - s.t_prompt_start;
    st.eval_count = static_cast<int>(s.generated.size());
    st.eval_duration = generated_any ? now - s.t_gen_start : std::chrono::nanoseconds(0);
    st.draft_tokens = s.spec.drafted;
    st.draft_accepted = s.spec.accepted;
    if (s.t->req.want_context) {
        st.context.assign(s.prompt.begin(), s.prompt.end());
        st.context.insert(st.context.end(), s.generated.begin(), s.generated.end());
    }
    s.t->out->push(stream_item::done(std::move(st), std::move(s.logprobs)));
    s.logprobs.clear();
    release(s);
}

void llama_runner::fail(slot & s, const error & err) {
    s.t->out->push(stream_item::failure(err));
    release(s);
}

// Frees the slot. Its cache stays for the next request with the same prefix;
// a half-evaluated prompt is trimmed to what is really in the KV cache.
void llama_runner::release(slot & s) {
    if (s.t) {
        s.t->out->push(stream_item::failure(make_error(errc::canceled, "canceled")));
        active_--;
    }
    s.t.reset();
    s.sampler.reset();
    s.text.reset();
    s.logprobs.clear();
    s.replay.clear();
    s.next = -1;
    s.batch_index = -1;
    speculator::reset(s);
}

}  // namespace

result<std::unique_ptr<runner>> load_llama_runner(const load_params & params) {
    auto m = llama_model_handle::load(params);
    if (!m) return m.err();
    std::unique_ptr<draft_model> draft;
    if (!params.draft_path.empty()) {
        auto d = draft_model::load(params, **m);
        if (!d) return d.err();
        draft = std::move(*d);
    }
    return std::unique_ptr<runner>(std::make_unique<llama_runner>(std::move(*m), std::move(draft), params));
}

}  // namespace lokal::engine
