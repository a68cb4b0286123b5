#include "http/worker_pool.h"

#include <thread>

#if defined(CPPHTTPLIB_OPENSSL_SUPPORT)
#include <openssl/crypto.h>
#endif

namespace lokal::http::detail {

worker_pool::worker_pool(size_t base, size_t max, std::chrono::milliseconds linger)
    : base_(base), max_(std::max(base, max)), linger_(linger) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (size_t i = 0; i < base_; ++i) start_thread();
}

worker_pool::~worker_pool() { shutdown(); }

bool worker_pool::enqueue(std::function<void()> fn) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (stopping_) return false;
        jobs_.push_back(std::move(fn));
        // Every queued job needs an idle thread of its own; idle_ counts the
        // threads waiting, including those already woken for earlier jobs.
        if (jobs_.size() > idle_ && threads_ < max_) start_thread();
    }
    jobs_ready_.notify_one();
    return true;
}

void worker_pool::shutdown() {
    std::unique_lock<std::mutex> lock(mutex_);
    stopping_ = true;
    jobs_ready_.notify_all();
    all_ended_.wait(lock, [this] { return threads_ == 0; });
}

size_t worker_pool::thread_count() {
    std::lock_guard<std::mutex> lock(mutex_);
    return threads_;
}

void worker_pool::start_thread() {
    ++threads_;
    // Detached: shutdown() waits for threads_ to reach 0 instead of joining.
    std::thread([this] { work(); }).detach();
}

void worker_pool::work() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
        ++idle_;
        bool woken = jobs_ready_.wait_for(lock, linger_, [this] { return !jobs_.empty() || stopping_; });
        --idle_;
        if (jobs_.empty() && (stopping_ || (!woken && threads_ > base_))) break;
        if (jobs_.empty()) continue;
        auto fn = std::move(jobs_.front());
        jobs_.pop_front();
        lock.unlock();
        fn();
        lock.lock();
    }
    // Counted out in the critical section that decided to end: two lingering
    // threads could otherwise both see room above `base` and both leave. The
    // last thread lets shutdown() return only once it has let go of the
    // mutex and every thread-local, so the pool may be destroyed then; the
    // others touch nothing of the pool after unlocking.
    if (--threads_ == 0) {
        std::notify_all_at_thread_exit(all_ended_, std::move(lock));
    } else {
        lock.unlock();
    }
#if defined(CPPHTTPLIB_OPENSSL_SUPPORT)
    OPENSSL_thread_stop();  // the thread's TLS state; cpp-httplib's pool does the same
#endif
}

}  // namespace lokal::http::detail
