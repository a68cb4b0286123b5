// What /metrics reads from the scheduler: pending acquires, load totals and
// each loaded runner's requests in flight. Fake engine, no model.
#include "fake_runner.h"
#include "sched/scheduler.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

using namespace lokal;
using namespace std::chrono_literals;

namespace {

// Two requests in flight, always.
std::unique_ptr<engine::runner> busy_runner(const engine::load_params & p) {
    return std::make_unique<test::fake_runner>(p, engine::model_facts{}, 2);
}

}  // namespace

TEST(metrics_sched, pending_loads_and_active) {
    std::atomic<bool> release{false};
    sched::scheduler s({3, 16}, [&](const engine::load_params & p) -> result<std::unique_ptr<engine::runner>> {
        while (!release) std::this_thread::sleep_for(1ms);
        std::this_thread::sleep_for(5ms);
        return busy_runner(p);
    });
    EXPECT_EQ(s.pending(), 0);
    EXPECT_EQ(s.loads().count, 0u);
    engine::load_params p;
    p.model_path = "m";
    std::thread t([&] { auto l = s.acquire("m", {"m", "d", json::object()}, p, 1h); EXPECT_TRUE(l.ok()); });
    for (int i = 0; i < 2000 && s.pending() == 0; i++) std::this_thread::sleep_for(1ms);
    EXPECT_EQ(s.pending(), 1);  // waiting on the load
    release = true;
    t.join();
    EXPECT_EQ(s.pending(), 0);
    auto totals = s.loads();
    EXPECT_EQ(totals.count, 1u);
    EXPECT_GE(totals.seconds, 0.004);
    auto loaded = s.list();
    ASSERT_EQ(loaded.size(), 1u);
    EXPECT_EQ(loaded[0].active, 2);
    // A reuse is no load.
    { auto l = s.acquire("m", {"m", "d", json::object()}, p, 1h); ASSERT_TRUE(l.ok()); }
    EXPECT_EQ(s.loads().count, 1u);
}
