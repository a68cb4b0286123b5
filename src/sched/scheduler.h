// Which models are loaded, for how long, and who is using them.
//
// A request acquires a lease on a runner for a model (loading it, or
// reloading it when a load-time option changed); while any lease is held the
// model is never unloaded. When the last lease is released, the model expires
// keep_alive later (0: at once; negative: never). A timer thread unloads
// expired models. At most max_loaded models stay resident, and together they
// must fit the memory budget: loading one more evicts idle models, the one
// that would expire first first, until it fits; when it cannot fit even
// then, the request is refused with the need and what is free.
#pragma once

#include "core/json.h"
#include "core/result.h"
#include "engine/runner.h"
#include "sched/memory.h"
#include "sched/placement.h"

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace lokal::sched {

using clock_type = std::chrono::system_clock;
using loader_fn = std::function<result<std::unique_ptr<engine::runner>>(const engine::load_params &)>;

struct scheduler_config {
    int max_loaded = 3;
    int max_queue = 512;
    uint64_t memory_limit = 0;  // bytes all loaded models may use; 0: what the system has available
};

// How the scheduler learns what a model needs and what is free. Empty
// functions turn memory accounting off (unit tests of other logic); no
// gpus (CPU-only builds): everything is budgeted in system memory.
struct memory_probe {
    std::function<result<memory_need>(const engine::load_params &)> estimate;
    std::function<uint64_t()> available;
    std::function<std::vector<gpu_device>()> gpus;
};

// What /api/ps needs to say about a model besides the runner's own facts.
struct model_label {
    std::string name;      // short display name, e.g. "stories:latest"
    std::string digest;    // manifest digest, hex
    json details = json::object();
};

struct loaded_model {
    model_label label;
    engine::model_facts facts;
    clock_type::time_point expires_at;  // max() when it never expires
    bool in_use = false;
    int active = 0;  // the runner's requests in flight
};

// Model loads so far, for metrics.
struct load_totals {
    double seconds = 0;
    uint64_t count = 0;
};

class scheduler;

// Holds a model loaded while alive. Movable, not copyable.
class lease {
public:
    lease() = default;
    lease(lease && other) noexcept;
    lease & operator=(lease && other) noexcept;
    lease(const lease &) = delete;
    lease & operator=(const lease &) = delete;
    ~lease();

    engine::runner * operator->() const { return runner_.get(); }
    engine::runner & operator*() const { return *runner_; }

private:
    friend class scheduler;
    scheduler * owner_ = nullptr;
    std::string key_;
    std::shared_ptr<engine::runner> runner_;
    std::chrono::milliseconds keep_alive_{0};
    void release();
};

class scheduler {
public:
    scheduler(scheduler_config cfg, loader_fn loader, memory_probe memory = {});
    ~scheduler();

    // key identifies the model (e.g. its manifest digest + name).
    result<lease> acquire(const std::string & key, const model_label & label, const engine::load_params & params,
                          std::chrono::milliseconds keep_alive);

    // Unloads now if idle, or as soon as the current requests finish.
    void unload(const std::string & key);
    bool is_loaded(const std::string & key);
    // Stops every runner (in-flight requests end with an error) and refuses
    // new leases. For server shutdown.
    void shutdown();
    std::vector<loaded_model> list();
    // Requests waiting in acquire() (queued or loading).
    int pending();
    load_totals loads();

private:
    friend class lease;
    struct entry {
        model_label label;
        std::shared_ptr<engine::runner> runner;
        int leases = 0;
        clock_type::time_point expires_at = clock_type::time_point::max();
        bool unload_when_idle = false;
        uint64_t need = 0;             // estimated bytes of system memory
        std::vector<uint64_t> device;  // estimated bytes on each GPU
        engine::load_params requested; // before the scheduler chose num_gpu
    };
    struct evicted {
        std::vector<std::shared_ptr<engine::runner>> runners;  // freed outside the lock
        uint64_t bytes = 0;                                    // their estimated need
        std::vector<uint64_t> device;                          // and on each GPU
        void add(entry & e);
    };

    void release(const std::string & key, std::chrono::milliseconds keep_alive);
    void timer_loop();
    bool evict_one_locked(evicted & graveyard);
    result<std::shared_ptr<engine::runner>> load_runner(const engine::load_params & params, const placement & place);
    // Settles what lokal decides for params (flash attention) and where the
    // layers go, making room for them.
    status plan_memory(engine::load_params & params, placement & place, evicted & graveyard);
    status make_room_locked(const memory_need & need, int num_gpu, const std::vector<gpu_device> & gpus,
                            placement & place, evicted & graveyard);
    uint64_t free_memory_locked(const evicted & graveyard);
    std::vector<uint64_t> free_gpu_locked(const std::vector<gpu_device> & gpus, const evicted & graveyard, bool idle);

    scheduler_config cfg_;
    loader_fn loader_;
    memory_probe memory_;
    std::mutex mu_;
    std::mutex load_mu_;  // one load at a time: loads compete for the same memory
    std::condition_variable cv_;
    std::map<std::string, entry> models_;
    int pending_ = 0;
    load_totals loads_;
    bool stopping_ = false;
    std::thread timer_;
};

}  // namespace lokal::sched
