#include "handlers/compat_bridge.h"

#include "compat/common.h"

#include <atomic>
#include <mutex>
#include <thread>

namespace lokal::handlers::compat_bridge {

namespace {

// Hands each complete NDJSON line of one native stream to on_line, under
// the shared lock; the client's liveness is the outer writer's.
class line_writer : public http::stream_writer {
public:
    line_writer(size_t index, http::stream_writer & out, std::mutex & mu, std::atomic<bool> & stop,
                const line_fn & on_line)
        : index_(index), out_(out), mu_(mu), stop_(stop), on_line_(on_line) {}

    bool write(std::string_view data) override {
        if (stop_) return false;
        auto lines = split_.feed(data);
        if (!lines) return fail();
        for (const auto & line : *lines) {
            if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
            json j = json::parse(line, nullptr, false);
            if (j.is_discarded()) return fail();
            std::lock_guard lock(mu_);
            if (stop_ || !on_line_(index_, j, out_)) return fail();
        }
        return true;
    }

    bool alive() const override {
        std::lock_guard lock(mu_);
        return !stop_ && out_.alive();
    }

private:
    bool fail() {
        stop_ = true;
        return false;
    }

    size_t index_;
    http::stream_writer & out_;
    std::mutex & mu_;
    std::atomic<bool> & stop_;
    const line_fn & on_line_;
    compat::line_splitter split_;
};

}  // namespace

outcome call(const native_fn & fn, const http::request & req, const json & body) {
    http::request native = req;
    native.method = "POST";
    native.body = compat::dump(body);
    http::response res;
    fn(native, res);
    outcome out;
    out.status = res.status;
    if (res.status != 200) {
        out.error = compat::native_error_message(res.body);
        out.headers = std::move(res.headers);
        return out;
    }
    if (res.stream) {
        out.stream = std::move(res.stream);
        return out;
    }
    out.body = json::parse(res.body, nullptr, false);
    if (out.body.is_discarded()) {
        out.status = 500;
        out.error = "invalid native response";
    }
    return out;
}

std::vector<outcome> call_all(const native_fn & fn, const http::request & req, const std::vector<json> & bodies) {
    std::vector<outcome> outs(bodies.size());
    if (bodies.size() == 1) {
        outs[0] = call(fn, req, bodies[0]);
        return outs;
    }
    std::vector<std::thread> threads;
    for (size_t i = 0; i < bodies.size(); ++i) {
        threads.emplace_back([&, i] { outs[i] = call(fn, req, bodies[i]); });
    }
    for (auto & t : threads) t.join();
    return outs;
}

const outcome * first_failure(const std::vector<outcome> & outs) {
    for (const auto & o : outs) {
        if (!o.ok()) return &o;
    }
    return nullptr;
}

bool relay(std::vector<outcome> & outs, http::stream_writer & w, const line_fn & on_line) {
    std::mutex mu;
    std::atomic<bool> stop{false};
    auto run = [&](size_t i) {
        line_writer lw(i, w, mu, stop, on_line);
        if (outs[i].stream) {
            outs[i].stream(lw);
            outs[i].stream = nullptr;  // releases the native task
            return;
        }
        std::lock_guard lock(mu);
        if (!stop && !on_line(i, outs[i].body, w)) stop = true;
    };
    if (outs.size() == 1) {
        run(0);
    } else {
        std::vector<std::thread> threads;
        for (size_t i = 0; i < outs.size(); ++i) threads.emplace_back(run, i);
        for (auto & t : threads) t.join();
    }
    return !stop;
}

void send_error(http::response & res, error_body_fn body, int status, const std::string & message) {
    res.stream = nullptr;
    http::set_json(res, body(status, message), status);
}

void send_error(http::response & res, error_body_fn body, const error & err) {
    send_error(res, body, http::status_for(err.code), err.message);
}

void send_failure(http::response & res, error_body_fn body, const outcome & o) {
    send_error(res, body, o.status, o.error);
    res.headers = o.headers;
}

}  // namespace lokal::handlers::compat_bridge
