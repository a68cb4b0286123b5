// Stream items, and defaults for the optional parts of the runner
// interface, so that runners without a tokenizer (the tests' fakes) need not
// implement them.
#include "engine/runner.h"

namespace lokal::engine {

namespace {

error unsupported() { return make_error(errc::invalid_request, "this model runner does not support it"); }

}  // namespace

stream_item stream_item::chunk(std::string text, std::vector<output_logprob> lp) {
    stream_item it;
    it.type = kind::chunk;
    it.text = std::move(text);
    it.logprobs = std::move(lp);
    return it;
}

stream_item stream_item::failure(error err) {
    stream_item it;
    it.type = kind::error;
    it.err = std::move(err);
    return it;
}

stream_item stream_item::done(completion_stats stats, std::vector<output_logprob> lp) {
    stream_item it;
    it.type = kind::done;
    it.stats = std::move(stats);
    it.logprobs = std::move(lp);
    return it;
}

result<embed_result> runner::embed(const embed_request &, const std::function<bool()> &) { return unsupported(); }

result<std::vector<int32_t>> runner::tokenize(const std::string &, const tokenize_options &) { return unsupported(); }

result<std::string> runner::token_piece(int32_t) { return unsupported(); }

result<std::string> runner::detokenize(const std::vector<int32_t> &) { return unsupported(); }

}  // namespace lokal::engine
