#include "http/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

using lokal::http::detail::worker_pool;
using namespace std::chrono_literals;

namespace {

// Jobs that block until released, as a connection waiting for its body does.
struct gate {
    std::mutex m;
    std::condition_variable cv;
    bool open = false;
    std::atomic<int> started{0}, finished{0};

    std::function<void()> job() {
        return [this] {
            ++started;
            std::unique_lock<std::mutex> lock(m);
            cv.wait(lock, [this] { return open; });
            ++finished;
        };
    }
    void release() {
        {
            std::lock_guard<std::mutex> lock(m);
            open = true;
        }
        cv.notify_all();
    }
};

bool eventually(const std::function<bool()> & cond) {
    for (auto until = std::chrono::steady_clock::now() + 5s; std::chrono::steady_clock::now() < until;) {
        if (cond()) return true;
        std::this_thread::sleep_for(1ms);
    }
    return cond();
}

}  // namespace

TEST(WorkerPool, ABurstOfBlockingJobsGetsAThreadEachUpToTheMaximum) {
    // cpp-httplib's pool counted threads woken for earlier jobs as idle and
    // left part of such a burst queued behind blocked ones.
    for (int round = 0; round < 20; ++round) {
        gate g;
        worker_pool pool(2, 16);
        for (int i = 0; i < 16; ++i) ASSERT_TRUE(pool.enqueue(g.job()));
        EXPECT_TRUE(eventually([&] { return g.started == 16; })) << "round " << round << ": " << g.started << " of 16";
        g.release();
        EXPECT_TRUE(eventually([&] { return g.finished == 16; }));
    }
}

TEST(WorkerPool, JobsBeyondTheMaximumWaitForAFreeThread) {
    gate g;
    worker_pool pool(1, 4);
    for (int i = 0; i < 6; ++i) pool.enqueue(g.job());
    ASSERT_TRUE(eventually([&] { return g.started == 4; }));
    std::this_thread::sleep_for(50ms);
    EXPECT_EQ(g.started, 4);
    EXPECT_EQ(pool.thread_count(), 4u);
    g.release();
    EXPECT_TRUE(eventually([&] { return g.finished == 6; }));
}

TEST(WorkerPool, ExtraThreadsEndAfterLingeringIdle) {
    gate g;
    worker_pool pool(2, 8, 20ms);
    for (int i = 0; i < 8; ++i) pool.enqueue(g.job());
    ASSERT_TRUE(eventually([&] { return g.started == 8; }));
    g.release();
    EXPECT_TRUE(eventually([&] { return pool.thread_count() == 2; })) << pool.thread_count();
}

TEST(WorkerPool, ShutdownRunsWhatIsQueuedAndRefusesMore) {
    std::atomic<int> ran{0};
    {
        worker_pool pool(1, 1);
        for (int i = 0; i < 10; ++i) pool.enqueue([&] { std::this_thread::sleep_for(1ms); ++ran; });
        pool.shutdown();
        EXPECT_EQ(ran, 10);
        EXPECT_EQ(pool.thread_count(), 0u);
        EXPECT_FALSE(pool.enqueue([&] { ++ran; }));
    }
    EXPECT_EQ(ran, 10);
}
