// A one-way, thread-safe queue of stream items between the inference thread
// (producer) and a request handler (consumer), with a cancel flag going the
// other way.
#pragma once

#include "engine/runner.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>

namespace lokal::engine {

class channel {
public:
    void push(stream_item item) {
        {
            std::lock_guard<std::mutex> lock(mu_);
            if (closed_) return;
            if (item.type != stream_item::kind::chunk) closed_ = true;
            items_.push_back(std::move(item));
        }
        cv_.notify_one();
    }

    stream_item pop() {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return !items_.empty(); });
        stream_item item = items_.front();
        // The final item stays so later calls see it again.
        if (item.type == stream_item::kind::chunk) items_.pop_front();
        return item;
    }

    std::optional<stream_item> pop_for(std::chrono::milliseconds timeout) {
        std::unique_lock<std::mutex> lock(mu_);
        if (!cv_.wait_for(lock, timeout, [&] { return !items_.empty(); })) return std::nullopt;
        stream_item item = items_.front();
        if (item.type == stream_item::kind::chunk) items_.pop_front();
        return item;
    }

    void cancel() { canceled_ = true; }
    bool canceled() const { return canceled_; }

private:
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<stream_item> items_;
    bool closed_ = false;
    std::atomic<bool> canceled_{false};
};

// The reader end handed to callers: destroying it cancels the task.
class channel_stream : public completion_stream {
public:
    explicit channel_stream(std::shared_ptr<channel> ch) : ch_(std::move(ch)) {}
    ~channel_stream() override { ch_->cancel(); }
    stream_item next() override { return ch_->pop(); }
    std::optional<stream_item> next_for(std::chrono::milliseconds timeout) override { return ch_->pop_for(timeout); }

private:
    std::shared_ptr<channel> ch_;
};

}  // namespace lokal::engine
