// GPU placement and the per-GPU budget with made-up devices: the planning
// is pure, so it is tested here on machines without a GPU.
#include "fake_runner.h"
#include "sched/placement.h"
#include "sched/scheduler.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>

using namespace lokal;

namespace {

constexpr uint64_t MiB = 1ull << 20;

// n blocks of `block` bytes, an output layer, embeddings in system memory.
sched::memory_need model(int n, uint64_t block, uint64_t output = 50, uint64_t compute = 20) {
    sched::memory_need m;
    m.costs.blocks.assign(n, block);
    m.costs.output = output;
    m.costs.input = 30;
    m.costs.device_compute = compute;
    m.costs.host_compute = 10;
    m.weights = n * block + output + 30;  // the cache is part of the blocks here
    m.compute = 10;
    return m;
}

}  // namespace

TEST(placement, without_gpus_everything_stays_in_system_memory) {
    auto m = model(4, 100);
    auto p = sched::plan_placement(m, {}, -1);
    EXPECT_EQ(p.gpu_layers, -1);  // a CPU-only build loads exactly as before
    EXPECT_TRUE(p.device.empty());
    EXPECT_EQ(p.host, m.total());
}

TEST(placement, a_model_that_fits_goes_whole_onto_the_gpu) {
    auto m = model(4, 100);
    auto p = sched::plan_placement(m, {10000}, -1);
    EXPECT_EQ(p.gpu_layers, 5);                     // 4 blocks + output
    EXPECT_EQ(p.device, std::vector<uint64_t>{470});  // + compute buffer
    EXPECT_EQ(p.host, 40u);                          // embeddings + host compute
}

TEST(placement, a_model_too_large_gets_the_last_layers_that_fit) {
    auto m = model(4, 100);
    // 3 layers need 100 + 100 + 50 + 20 = 270; 2 need 170.
    auto p = sched::plan_placement(m, {250}, -1);
    EXPECT_EQ(p.gpu_layers, 2);
    EXPECT_EQ(p.device, std::vector<uint64_t>{170});
    EXPECT_EQ(p.host, m.total() - 150);
    EXPECT_EQ(sched::plan_placement(m, {269}, -1).gpu_layers, 2);
    EXPECT_EQ(sched::plan_placement(m, {270}, -1).gpu_layers, 3);
    // Not even the output layer fits: nothing offloaded.
    p = sched::plan_placement(m, {60}, -1);
    EXPECT_EQ(p.gpu_layers, 0);
    EXPECT_EQ(p.device, std::vector<uint64_t>{0});
    EXPECT_EQ(p.host, m.total());
}

TEST(placement, two_gpus_share_layers_in_proportion_to_their_memory) {
    auto m = model(7, 100, 100);
    // 8 layers, split points 0.25 and 1.0: layers 0-1 on the first GPU,
    // 2-7 and the compute buffer (with the output) on the second.
    auto p = sched::plan_placement(m, {1000, 3000}, -1);
    EXPECT_EQ(p.gpu_layers, 8);
    EXPECT_EQ(p.device, (std::vector<uint64_t>{200, 620}));
    EXPECT_EQ(p.host, 40u);
    EXPECT_EQ(p.on_devices(), 820u);
    // Split points 0.625 and 1: with 8 layers the second GPU's share is
    // 320 > 300; with 7, blocks 1-5 go to the first and 6 + output to the second.
    p = sched::plan_placement(m, {500, 300}, -1);
    EXPECT_EQ(p.gpu_layers, 7);
    EXPECT_EQ(p.device, (std::vector<uint64_t>{500, 220}));
    // A GPU without usable memory gets no layers at all.
    p = sched::plan_placement(m, {0, 5000}, -1);
    EXPECT_EQ(p.device[0], 0u);
    EXPECT_EQ(p.gpu_layers, 8);
}

TEST(placement, num_gpu_set_by_the_request_is_used_as_is) {
    auto m = model(4, 100);
    auto p = sched::plan_placement(m, {100}, 3);  // does not fit: the scheduler refuses it
    EXPECT_EQ(p.gpu_layers, 3);
    EXPECT_EQ(p.device, std::vector<uint64_t>{270});
    p = sched::plan_placement(m, {10000}, 0);
    EXPECT_EQ(p.gpu_layers, 0);
    EXPECT_EQ(p.host, m.total());
    EXPECT_EQ(sched::plan_placement(m, {10000}, 99).gpu_layers, 99);  // llama.cpp caps it
    EXPECT_EQ(sched::plan_placement(m, {10000}, 99).device, std::vector<uint64_t>{470});
}

TEST(placement, tied_embeddings_cost_the_gpu_a_copy_but_no_system_memory) {
    auto m = model(2, 100, 80);
    m.costs.output_copy = 60;  // 20 of norm, 60 of copied embeddings
    m.weights -= 60;
    auto p = sched::plan_placement(m, {10000}, -1);
    EXPECT_EQ(p.device, std::vector<uint64_t>{300});
    EXPECT_EQ(p.host, m.total() - 200 - 20);
}

namespace {

using test::fake_runner;

// Models of 10 blocks of num_ctx MiB each; GPUs whose free memory the test sets.
struct gpu_fixture {
    std::mutex mu;
    std::vector<sched::gpu_device> gpus;
    uint64_t ram = 64 * 1024 * MiB;
    std::vector<int> loaded_with;  // num_gpu each load got
    std::vector<int> flash_with;   // flash_attention each load got
    sched::scheduler s;
    gpu_fixture()
        : s({3, 16, 0},
            [this](const engine::load_params & p) -> result<std::unique_ptr<engine::runner>> {
                std::lock_guard<std::mutex> lock(mu);
                loaded_with.push_back(p.num_gpu);
                flash_with.push_back(p.flash_attention);
                return std::unique_ptr<engine::runner>(std::make_unique<fake_runner>(p));
            },
            {[](const engine::load_params & p) -> result<sched::memory_need> {
                 return model(10, static_cast<uint64_t>(p.num_ctx) * MiB, 50 * MiB, 100 * MiB);
             },
             [this] { return ram; },
             [this] {
                 std::lock_guard<std::mutex> lock(mu);
                 return gpus;
             }}) {}
    result<sched::lease> get(const std::string & key, int block_mib, int num_gpu = -1, int flash = -1,
                             const std::string & kv = "f16") {
        engine::load_params p;
        p.model_path = key;
        p.num_ctx = block_mib;
        p.num_gpu = num_gpu;
        p.flash_attention = flash;
        p.kv_cache_type = kv;
        return s.acquire(key, {key, "d", json::object()}, p, std::chrono::hours(1));
    }
    void set_free(size_t i, uint64_t free) {
        std::lock_guard<std::mutex> lock(mu);
        gpus[i].free = free;
    }
};

}  // namespace

TEST(scheduler_gpu, chooses_the_layers_and_keeps_the_request_matching) {
    gpu_fixture f;
    f.gpus = {{"CUDA0", sched::k_gpu_margin + 500 * MiB, 8192 * MiB}};
    // 100 MiB blocks, 50 output, 100 compute: 3 blocks + output + compute fit in 500.
    { auto a = f.get("m", 100); ASSERT_TRUE(a.ok()) << a.err().message; }
    { auto b = f.get("m", 100); ASSERT_TRUE(b.ok()); }  // num_gpu still -1: reused
    ASSERT_EQ(f.loaded_with, std::vector<int>{4});
    // A request that sets num_gpu itself gets exactly that.
    { auto c = f.get("m", 100, 2); ASSERT_TRUE(c.ok()); }
    EXPECT_EQ(f.loaded_with, (std::vector<int>{4, 2}));
}

TEST(scheduler_gpu, cpu_only_builds_pass_num_gpu_through_untouched) {
    gpu_fixture f;  // no GPUs
    { auto a = f.get("m", 100); ASSERT_TRUE(a.ok()); }
    EXPECT_EQ(f.loaded_with, std::vector<int>{-1});
}

TEST(scheduler_gpu, flash_attention_left_to_lokal_is_off_on_the_cpu_only) {
    gpu_fixture f;  // no GPUs
    { auto a = f.get("auto", 100); ASSERT_TRUE(a.ok()); }
    { auto b = f.get("asked", 100, -1, 1); ASSERT_TRUE(b.ok()); }
    { auto c = f.get("quantized-kv", 100, -1, -1, "q8_0"); ASSERT_TRUE(c.ok()); }
    EXPECT_EQ(f.flash_with, (std::vector<int>{0, 1, -1}));
    // The request as made still matches the loaded model: no reload.
    { auto again = f.get("auto", 100); ASSERT_TRUE(again.ok()); }
    EXPECT_EQ(f.flash_with.size(), 3u);
}

TEST(scheduler_gpu, flash_attention_on_a_gpu_is_llama_cpps_choice_unless_no_layer_goes_there) {
    gpu_fixture f;
    f.gpus = {{"CUDA0", sched::k_gpu_margin + 4096 * MiB, 8192 * MiB}};
    { auto a = f.get("gpu", 100); ASSERT_TRUE(a.ok()); }
    { auto b = f.get("cpu", 100, 0); ASSERT_TRUE(b.ok()); }
    EXPECT_EQ(f.flash_with, (std::vector<int>{-1, 0}));
}

TEST(scheduler_gpu, num_gpu_beyond_a_gpu_is_refused_with_need_and_free) {
    gpu_fixture f;
    f.gpus = {{"CUDA0", sched::k_gpu_margin + 200 * MiB, 8192 * MiB}};
    auto a = f.get("m", 100, 5);
    ASSERT_FALSE(a.ok());
    EXPECT_EQ(a.err().code, errc::unavailable);
    EXPECT_EQ(a.err().message,
              "model requires more GPU memory on CUDA0 (550.0 MiB) than is available (200.0 MiB)");
    EXPECT_TRUE(f.loaded_with.empty());
}

TEST(scheduler_gpu, system_memory_counts_only_what_stays_off_the_gpus) {
    gpu_fixture f;
    f.gpus = {{"CUDA0", sched::k_gpu_margin + 4096 * MiB, 8192 * MiB}};
    f.ram = 200 * MiB;  // far less than the model's 1 GiB, but it all goes to the GPU
    { auto a = f.get("m", 100); ASSERT_TRUE(a.ok()) << a.err().message; }
    EXPECT_EQ(f.loaded_with, std::vector<int>{11});
    // Without the GPU the same model does not fit: the system-memory refusal.
    f.gpus.clear();
    auto b = f.get("n", 100);
    ASSERT_FALSE(b.ok());
    EXPECT_NE(b.err().message.find("model requires more system memory (1.0 GiB)"), std::string::npos);
}

TEST(scheduler_gpu, idle_models_make_room_on_the_gpu_they_hold) {
    gpu_fixture f;
    const uint64_t total = sched::k_gpu_margin + 1300 * MiB;
    f.gpus = {{"CUDA0", total, total}};
    { auto a = f.get("a", 100); ASSERT_TRUE(a.ok()); }  // all of a: 1150 MiB
    EXPECT_EQ(f.loaded_with, std::vector<int>{11});
    f.set_free(0, total - 1150 * MiB);
    // b fits whole only once a is gone: a is evicted rather than b split.
    { auto b = f.get("b", 100); ASSERT_TRUE(b.ok()); }
    EXPECT_EQ(f.loaded_with, (std::vector<int>{11, 11}));
    EXPECT_FALSE(f.s.is_loaded("a"));
    EXPECT_TRUE(f.s.is_loaded("b"));
}

TEST(scheduler_gpu, busy_models_keep_their_gpu_memory_and_the_next_one_is_split) {
    gpu_fixture f;
    const uint64_t total = sched::k_gpu_margin + 1300 * MiB;
    f.gpus = {{"CUDA0", total, total}};
    auto a = f.get("a", 100);  // held
    ASSERT_TRUE(a.ok());
    f.set_free(0, total - 1150 * MiB);
    auto b = f.get("b", 100);
    ASSERT_TRUE(b.ok()) << b.err().message;
    EXPECT_TRUE(f.s.is_loaded("a"));
    // 150 MiB left: just the output layer and the compute buffer.
    EXPECT_EQ(f.loaded_with, (std::vector<int>{11, 1}));
    f.set_free(0, total - 1160 * MiB);  // not even that: nothing offloaded
    auto c = f.get("c", 100);
    ASSERT_TRUE(c.ok()) << c.err().message;
    EXPECT_EQ(f.loaded_with, (std::vector<int>{11, 1, 0}));
}
