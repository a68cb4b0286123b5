// Scheduler logic against a fake engine: no model needed.
#include "fake_runner.h"
#include "sched/scheduler.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

using namespace lokal;
using namespace std::chrono_literals;

namespace {

// Counts the runners alive, so tests see loads and unloads.
class counted_runner : public test::fake_runner {
public:
    counted_runner(const engine::load_params & p, std::atomic<int> & alive)
        : test::fake_runner(p, engine::model_facts{100, 0, p.num_ctx, p.num_ctx, false}), alive_(alive) {
        alive_++;
    }
    ~counted_runner() override { alive_--; }

private:
    std::atomic<int> & alive_;
};

// Memory accounting for the fakes: a model needs num_ctx bytes, and the
// system reports `available` bytes free.
struct fake_memory {
    std::atomic<uint64_t> available{UINT64_MAX};
    std::atomic<int> estimates{0};
    sched::memory_probe probe() {
        return {[this](const engine::load_params & p) -> result<sched::memory_need> {
                    estimates++;
                    if (p.model_path == "unreadable") return make_error(errc::invalid_request, "not a GGUF file");
                    sched::memory_need n;
                    n.weights = static_cast<uint64_t>(p.num_ctx);
                    return n;
                },
                [this] { return available.load(); }, {}};
    }
};

struct fixture {
    std::atomic<int> alive{0};
    std::atomic<int> loads{0};
    std::atomic<bool> hold_loads{false};  // loads of "slow" wait while set
    fake_memory memory;
    sched::scheduler s;
    explicit fixture(int max_loaded = 3, int max_queue = 16, uint64_t memory_limit = 0)
        : s({max_loaded, max_queue, memory_limit},
            [this](const engine::load_params & p) -> result<std::unique_ptr<engine::runner>> {
                loads++;
                while (p.model_path == "slow" && hold_loads) std::this_thread::sleep_for(1ms);
                if (p.model_path == "broken") return make_error(errc::invalid_request, "cannot load");
                return std::unique_ptr<engine::runner>(std::make_unique<counted_runner>(p, alive));
            },
            memory.probe()) {}

    result<sched::lease> get(const std::string & key, std::chrono::milliseconds ka = 1h, int num_ctx = 2048) {
        engine::load_params p;
        p.model_path = key;
        p.num_ctx = num_ctx;
        return s.acquire(key, {key, "d", json::object()}, p, ka);
    }
};

}  // namespace

TEST(scheduler, loads_once_and_reuses) {
    fixture f;
    { auto a = f.get("m"); ASSERT_TRUE(a.ok()); }
    { auto b = f.get("m"); ASSERT_TRUE(b.ok()); }
    EXPECT_EQ(f.loads, 1);
    EXPECT_TRUE(f.s.is_loaded("m"));
}

TEST(scheduler, keep_alive_zero_unloads_after_release) {
    fixture f;
    {
        auto a = f.get("m", 0ms);
        ASSERT_TRUE(a.ok());
        EXPECT_EQ(f.alive, 1);
    }
    EXPECT_FALSE(f.s.is_loaded("m"));
    EXPECT_EQ(f.alive, 0);
}

TEST(scheduler, expires_after_keep_alive) {
    fixture f;
    { auto a = f.get("m", 50ms); ASSERT_TRUE(a.ok()); }
    EXPECT_TRUE(f.s.is_loaded("m"));
    for (int i = 0; i < 200 && f.s.is_loaded("m"); ++i) std::this_thread::sleep_for(10ms);
    EXPECT_FALSE(f.s.is_loaded("m"));
    EXPECT_EQ(f.alive, 0);
}

TEST(scheduler, never_unloads_while_leased) {
    fixture f;
    auto a = f.get("m", 1ms);
    ASSERT_TRUE(a.ok());
    std::this_thread::sleep_for(30ms);
    EXPECT_TRUE(f.s.is_loaded("m"));
    f.s.unload("m");
    EXPECT_TRUE(f.s.is_loaded("m"));  // deferred until the lease ends
    *a = sched::lease();
    EXPECT_FALSE(f.s.is_loaded("m"));
}

TEST(scheduler, negative_keep_alive_is_forever) {
    fixture f;
    { auto a = f.get("m", -1ms); ASSERT_TRUE(a.ok()); }
    auto list = f.s.list();
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0].expires_at, sched::clock_type::time_point::max());
}

TEST(scheduler, evicts_idle_model_expiring_first) {
    fixture f(2);
    { auto a = f.get("a", 10h); ASSERT_TRUE(a.ok()); }
    { auto b = f.get("b", 1h); ASSERT_TRUE(b.ok()); }
    { auto c = f.get("c", 1h); ASSERT_TRUE(c.ok()); }
    EXPECT_TRUE(f.s.is_loaded("a"));
    EXPECT_FALSE(f.s.is_loaded("b"));
    EXPECT_TRUE(f.s.is_loaded("c"));
    EXPECT_EQ(f.alive, 2);
}

TEST(scheduler, refuses_when_all_loaded_models_are_busy) {
    fixture f(1);
    auto a = f.get("a");
    ASSERT_TRUE(a.ok());
    auto b = f.get("b");
    ASSERT_FALSE(b.ok());
    EXPECT_EQ(b.err().code, errc::unavailable);
}

TEST(scheduler, reloads_only_when_load_options_change) {
    fixture f;
    { auto a = f.get("m", 1h, 2048); ASSERT_TRUE(a.ok()); }
    { auto a = f.get("m", 1h, 2048); ASSERT_TRUE(a.ok()); }
    EXPECT_EQ(f.loads, 1);
    { auto a = f.get("m", 1h, 4096); ASSERT_TRUE(a.ok()); EXPECT_EQ((*a)->params().num_ctx, 4096); }
    EXPECT_EQ(f.loads, 2);
    EXPECT_EQ(f.alive, 1);
}

TEST(scheduler, load_failure_is_returned_and_nothing_stays) {
    fixture f;
    auto a = f.get("broken");
    ASSERT_FALSE(a.ok());
    EXPECT_EQ(a.err().message, "cannot load");
    EXPECT_TRUE(f.s.list().empty());
}

TEST(scheduler, full_queue_is_503_with_retry_after) {
    fixture f(3, 1);
    f.hold_loads = true;
    std::thread first([&] { auto a = f.get("slow"); EXPECT_TRUE(a.ok()); });
    while (f.s.pending() == 0) std::this_thread::sleep_for(1ms);
    auto b = f.get("other");
    f.hold_loads = false;
    first.join();
    ASSERT_FALSE(b.ok());
    EXPECT_EQ(b.err().code, errc::unavailable);
    EXPECT_EQ(b.err().retry_after, 1);
}

TEST(scheduler, refuses_a_model_larger_than_free_memory_without_loading_it) {
    fixture f;
    f.memory.available = 1000;
    auto a = f.get("big", 1h, 2048);
    ASSERT_FALSE(a.ok());
    EXPECT_EQ(a.err().code, errc::unavailable);
    EXPECT_EQ(a.err().message, "model requires more system memory (2.0 KiB) than is available (1000 B)");
    EXPECT_EQ(a.err().retry_after, 0);  // nothing will change by waiting
    EXPECT_EQ(f.loads, 0);
}

TEST(scheduler, memory_limit_evicts_idle_models_expiring_first) {
    fixture f(8, 16, 3000);
    { auto a = f.get("a", 1h, 1500); ASSERT_TRUE(a.ok()); }
    { auto b = f.get("b", 10h, 1000); ASSERT_TRUE(b.ok()); }
    { auto c = f.get("c", 1h, 1500); ASSERT_TRUE(c.ok()); }
    EXPECT_FALSE(f.s.is_loaded("a"));
    EXPECT_TRUE(f.s.is_loaded("b"));
    EXPECT_TRUE(f.s.is_loaded("c"));
    EXPECT_EQ(f.alive, 2);
}

TEST(scheduler, memory_refusal_leaves_idle_models_loaded) {
    fixture f(8, 16, 3000);
    { auto a = f.get("a", 1h, 1000); ASSERT_TRUE(a.ok()); }
    auto x = f.get("x", 1h, 5000);
    ASSERT_FALSE(x.ok());
    EXPECT_EQ(x.err().message, "model requires more system memory (4.9 KiB) than is available (2.9 KiB)");
    EXPECT_TRUE(f.s.is_loaded("a"));
}

TEST(scheduler, memory_held_by_busy_models_asks_to_retry) {
    fixture f(8, 16, 3000);
    auto a = f.get("a", 1h, 2000);
    ASSERT_TRUE(a.ok());
    auto b = f.get("b", 1h, 2000);
    ASSERT_FALSE(b.ok());
    EXPECT_EQ(b.err().code, errc::unavailable);
    EXPECT_EQ(b.err().retry_after, 5);
    EXPECT_NE(b.err().message.find("models in use"), std::string::npos);
}

TEST(scheduler, system_memory_counts_what_evicted_models_free) {
    fixture f;
    f.memory.available = 1500;
    { auto a = f.get("a", 1h, 1000); ASSERT_TRUE(a.ok()); }
    f.memory.available = 500;  // a now holds its memory
    { auto b = f.get("b", 1h, 1200); ASSERT_TRUE(b.ok()); }
    EXPECT_FALSE(f.s.is_loaded("a"));
    EXPECT_TRUE(f.s.is_loaded("b"));
}

TEST(scheduler, estimate_is_skipped_for_a_loaded_model_and_errors_are_returned) {
    fixture f;
    { auto a = f.get("a"); ASSERT_TRUE(a.ok()); }
    { auto a = f.get("a"); ASSERT_TRUE(a.ok()); }
    EXPECT_EQ(f.memory.estimates, 1);
    auto u = f.get("unreadable");
    ASSERT_FALSE(u.ok());
    EXPECT_EQ(u.err().message, "not a GGUF file");
    EXPECT_EQ(f.loads, 1);
}
