// A runner without a model, for the scheduler's tests: it keeps its load
// parameters, reports the facts and requests in flight it was given, and
// refuses to generate.
#pragma once

#include "engine/runner.h"

#include <utility>

namespace lokal::test {

class fake_runner : public engine::runner {
public:
    explicit fake_runner(engine::load_params p, engine::model_facts f = {}, int active = 0)
        : p_(std::move(p)), f_(f), active_(active) {}
    const engine::load_params & params() const override { return p_; }
    engine::model_facts facts() const override { return f_; }
    result<std::string> apply_chat_template(const std::vector<engine::chat_message> &) override {
        return std::string();
    }
    result<std::unique_ptr<engine::completion_stream>> submit(engine::completion_request) override {
        return make_error(errc::internal, "fake");
    }
    int active() const override { return active_; }
    void stop() override {}

private:
    engine::load_params p_;
    engine::model_facts f_;
    int active_;
};

}  // namespace lokal::test
