// The threads connections are served on. cpp-httplib's own dynamic pool
// decides whether to start a thread by counting idle threads, and a thread
// still counts as idle after it has been handed a job but before it has
// woken to take it. A burst of connections therefore finds "idle" threads
// that are already spoken for, starts none, and the jobs wait in the queue
// until some request ends; a connection whose body is slow to come can hold
// its thread for the whole body timeout. This pool starts a thread whenever
// the queued jobs outnumber the idle threads, up to its maximum.
// Internal to http/.
#pragma once

#include <cpp-httplib/httplib.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>

namespace lokal::http::detail {

class worker_pool final : public httplib::TaskQueue {
public:
    // `base` threads stay; the others, up to `max`, end after `linger` idle.
    worker_pool(size_t base, size_t max, std::chrono::milliseconds linger = std::chrono::seconds(60));
    ~worker_pool() override;
    worker_pool(const worker_pool &) = delete;
    worker_pool & operator=(const worker_pool &) = delete;

    bool enqueue(std::function<void()> fn) override;  // false once shut down
    void shutdown() override;                         // runs what is queued, then waits for every thread

    size_t thread_count();

private:
    void start_thread();  // with mutex_ held
    void work();

    const size_t base_, max_;
    const std::chrono::milliseconds linger_;
    std::mutex mutex_;
    std::condition_variable jobs_ready_, all_ended_;
    std::deque<std::function<void()>> jobs_;
    size_t threads_ = 0, idle_ = 0;
    bool stopping_ = false;
};

}  // namespace lokal::http::detail
