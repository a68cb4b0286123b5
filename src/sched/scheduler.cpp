#include "sched/scheduler.h"

#include <algorithm>

namespace lokal::sched {

lease::lease(lease && other) noexcept { *this = std::move(other); }

lease & lease::operator=(lease && other) noexcept {
    if (this != &other) {
        release();
        owner_ = std::exchange(other.owner_, nullptr);
        key_ = std::move(other.key_);
        runner_ = std::move(other.runner_);
        keep_alive_ = other.keep_alive_;
    }
    return *this;
}

lease::~lease() { release(); }

void lease::release() {
    if (!owner_) return;
    runner_.reset();
    owner_->release(key_, keep_alive_);
    owner_ = nullptr;
}

scheduler::scheduler(scheduler_config cfg, loader_fn loader, memory_probe memory)
    : cfg_(cfg), loader_(std::move(loader)), memory_(std::move(memory)) {
    timer_ = std::thread([this] { timer_loop(); });
}

scheduler::~scheduler() {
    std::map<std::string, entry> doomed;
    {
        std::lock_guard<std::mutex> lock(mu_);
        stopping_ = true;
        doomed.swap(models_);
    }
    cv_.notify_all();
    timer_.join();
    doomed.clear();  // runners join their threads here, outside the lock
}

result<lease> scheduler::acquire(const std::string & key, const model_label & label,
                                 const engine::load_params & params, std::chrono::milliseconds keep_alive) {
    {
        std::lock_guard<std::mutex> lock(mu_);
        if (stopping_) return make_error(errc::unavailable, "server is shutting down");
        if (pending_ >= cfg_.max_queue) {
            return make_busy_error("server busy, please try again.  maximum pending requests exceeded");
        }
        pending_++;
    }
    struct pending_guard {
        scheduler * s;
        ~pending_guard() {
            std::lock_guard<std::mutex> lock(s->mu_);
            s->pending_--;
        }
    } guard{this};

    lease l;
    l.owner_ = nullptr;
    l.key_ = key;
    l.keep_alive_ = keep_alive;
    auto take = [&](entry & e) {
        e.leases++;
        e.expires_at = clock_type::time_point::max();
        e.unload_when_idle = false;
        e.label = label;
        l.runner_ = e.runner;
        l.owner_ = this;
    };

    evicted graveyard;
    std::lock_guard<std::mutex> load_lock(load_mu_);
    {
        std::unique_lock<std::mutex> lock(mu_);
        auto it = models_.find(key);
        if (it != models_.end() && it->second.requested == params) {
            take(it->second);
            return l;
        }
        if (it != models_.end()) {
            // A load-time option changed: reload once the model is idle.
            it->second.unload_when_idle = true;
            cv_.wait(lock, [&] { return stopping_ || models_.find(key) == models_.end() || models_[key].leases == 0; });
            if (stopping_) return make_error(errc::unavailable, "server is shutting down");
            if (auto again = models_.find(key); again != models_.end()) {
                graveyard.add(again->second);
                models_.erase(again);
            }
        }
        while (static_cast<int>(models_.size()) >= cfg_.max_loaded) {
            if (!evict_one_locked(graveyard)) {
                return make_busy_error("server busy: all loaded models are in use (LOKAL_MAX_LOADED_MODELS=" +
                                       std::to_string(cfg_.max_loaded) + ")");
            }
        }
    }
    placement place;
    engine::load_params load = params;  // params as requested stay in e.requested
    if (auto st = plan_memory(load, place, graveyard); !st) return st.err();
    graveyard.runners.clear();  // free memory before loading the next model

    auto loaded = load_runner(load, place);
    if (!loaded) return loaded.err();

    std::lock_guard<std::mutex> lock(mu_);
    entry & e = models_[key];
    e.runner = std::move(*loaded);
    e.need = place.host;
    e.device = place.device;
    e.requested = params;
    take(e);
    return l;
}

result<std::shared_ptr<engine::runner>> scheduler::load_runner(const engine::load_params & params,
                                                                const placement & place) {
    // With GPUs the scheduler chose the layers to offload; the request,
    // num_gpu unset, still matches this load next time (entry::requested).
    engine::load_params load = params;
    if (!place.device.empty() && params.num_gpu < 0) load.num_gpu = place.gpu_layers;
    auto load_start = std::chrono::steady_clock::now();
    auto loaded = loader_(load);
    std::chrono::duration<double> load_time = std::chrono::steady_clock::now() - load_start;
    if (!loaded) return loaded.err();
    std::lock_guard<std::mutex> lock(mu_);
    loads_.seconds += load_time.count();
    loads_.count++;
    return std::shared_ptr<engine::runner>(std::move(*loaded));
}

bool scheduler::evict_one_locked(evicted & graveyard) {
    auto victim = models_.end();
    for (auto it = models_.begin(); it != models_.end(); ++it) {
        if (it->second.leases > 0) continue;
        if (victim == models_.end() || it->second.expires_at < victim->second.expires_at) victim = it;
    }
    if (victim == models_.end()) return false;
    graveyard.add(victim->second);
    models_.erase(victim);
    return true;
}

uint64_t scheduler::free_memory_locked(const evicted & graveyard) {
    // What the system reports, plus what the evicted runners will give back
    // once destroyed (they still hold it while we decide).
    uint64_t available = memory_.available ? memory_.available() : UINT64_MAX;
    uint64_t free = available > UINT64_MAX - graveyard.bytes ? UINT64_MAX : available + graveyard.bytes;
    if (cfg_.memory_limit > 0) {
        uint64_t used = 0;
        for (const auto & [key, e] : models_) used += e.need;
        free = std::min(free, cfg_.memory_limit > used ? cfg_.memory_limit - used : 0);
    }
    return free;
}

void scheduler::evicted::add(entry & e) {
    bytes += e.need;
    if (device.size() < e.device.size()) device.resize(e.device.size(), 0);
    for (size_t i = 0; i < e.device.size(); ++i) device[i] += e.device[i];
    runners.push_back(std::move(e.runner));
}

std::vector<uint64_t> scheduler::free_gpu_locked(const std::vector<gpu_device> & gpus, const evicted & graveyard,
                                                 bool with_idle) {
    // What each GPU reports free, plus what evicted (and, with_idle, idle)
    // models hold there, less the margin a load leaves.
    std::vector<uint64_t> free(gpus.size());
    for (size_t i = 0; i < gpus.size(); ++i) {
        uint64_t f = gpus[i].free + (i < graveyard.device.size() ? graveyard.device[i] : 0);
        for (const auto & [key, e] : models_) {
            if (with_idle && e.leases == 0 && i < e.device.size()) f += e.device[i];
        }
        free[i] = f > k_gpu_margin ? f - k_gpu_margin : 0;
    }
    return free;
}

status scheduler::plan_memory(engine::load_params & params, placement & place, evicted & graveyard) {
    const auto gpus = memory_.gpus ? memory_.gpus() : std::vector<gpu_device>{};
    choose_flash_attention(params, gpus.empty() || params.num_gpu == 0);
    if (!memory_.estimate) return {};
    auto need = memory_.estimate(params);
    if (!need) return need.err();
    std::lock_guard<std::mutex> lock(mu_);
    return make_room_locked(*need, params.num_gpu, gpus, place, graveyard);
}

status scheduler::make_room_locked(const memory_need & need, int num_gpu, const std::vector<gpu_device> & gpus,
                                   placement & place, evicted & graveyard) {
    // Plan against what each GPU would have with every idle model gone;
    // evict only when that makes the model fit: a refusal leaves idle
    // models loaded.
    const auto gpu_reachable = free_gpu_locked(gpus, graveyard, true);
    place = plan_placement(need, gpu_reachable, num_gpu);
    for (size_t i = 0; i < gpus.size(); ++i) {
        if (place.device[i] > gpu_reachable[i]) {  // only with num_gpu set by the request
            return make_error(errc::unavailable, "model requires more GPU memory on " + gpus[i].name + " (" +
                                                     format_memory(place.device[i]) + ") than is available (" +
                                                     format_memory(gpu_reachable[i]) + ")");
        }
    }
    uint64_t idle = 0, busy = 0;
    for (const auto & [key, e] : models_) (e.leases > 0 ? busy : idle) += e.need;
    const uint64_t free = free_memory_locked(graveyard);
    const uint64_t reachable = free > UINT64_MAX - idle ? UINT64_MAX : free + idle;
    if (place.host > reachable) {
        std::string message = "model requires more system memory (" + format_memory(place.host) +
                              ") than is available (" + format_memory(reachable) + ")";
        // Models in use give their memory back when their requests end.
        if (busy > 0 && place.host <= reachable + busy) {
            return make_busy_error(message + "; models in use hold the rest, try again when they are idle", 5);
        }
        return make_error(errc::unavailable, message);
    }
    auto short_of_memory = [&] {
        if (place.host > free_memory_locked(graveyard)) return true;
        const auto gpu_free = free_gpu_locked(gpus, graveyard, false);
        for (size_t i = 0; i < gpus.size(); ++i) {
            if (place.device[i] > gpu_free[i]) return true;
        }
        return false;
    };
    while (short_of_memory() && evict_one_locked(graveyard)) {
    }
    return {};
}

void scheduler::release(const std::string & key, std::chrono::milliseconds keep_alive) {
    std::shared_ptr<engine::runner> doomed;
    {
        std::lock_guard<std::mutex> lock(mu_);
        auto it = models_.find(key);
        if (it == models_.end()) return;
        entry & e = it->second;
        if (--e.leases > 0) return;
        if (keep_alive.count() == 0 || e.unload_when_idle) {
            doomed = std::move(e.runner);
            models_.erase(it);
        } else {
            e.expires_at = keep_alive.count() < 0 ? clock_type::time_point::max() : clock_type::now() + keep_alive;
        }
    }
    cv_.notify_all();
    doomed.reset();
}

void scheduler::unload(const std::string & key) {
    std::shared_ptr<engine::runner> doomed;
    {
        std::lock_guard<std::mutex> lock(mu_);
        auto it = models_.find(key);
        if (it == models_.end()) return;
        if (it->second.leases > 0) {
            it->second.unload_when_idle = true;
            return;
        }
        doomed = std::move(it->second.runner);
        models_.erase(it);
    }
    cv_.notify_all();
}

void scheduler::shutdown() {
    std::vector<std::shared_ptr<engine::runner>> runners;
    {
        std::lock_guard<std::mutex> lock(mu_);
        stopping_ = true;
        for (auto & [key, e] : models_) runners.push_back(e.runner);
    }
    cv_.notify_all();
    for (auto & r : runners) r->stop();
}

bool scheduler::is_loaded(const std::string & key) {
    std::lock_guard<std::mutex> lock(mu_);
    return models_.count(key) > 0;
}

std::vector<loaded_model> scheduler::list() {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<loaded_model> out;
    for (const auto & [key, e] : models_) {
        loaded_model m;
        m.label = e.label;
        m.facts = e.runner->facts();
        m.expires_at = e.expires_at;
        m.in_use = e.leases > 0;
        m.active = e.runner->active();
        out.push_back(std::move(m));
    }
    return out;
}

int scheduler::pending() {
    std::lock_guard<std::mutex> lock(mu_);
    return pending_;
}

load_totals scheduler::loads() {
    std::lock_guard<std::mutex> lock(mu_);
    return loads_;
}

void scheduler::timer_loop() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stopping_) {
        auto next = clock_type::time_point::max();
        for (const auto & [key, e] : models_) {
            if (e.leases == 0) next = std::min(next, e.expires_at);
        }
        if (next == clock_type::time_point::max()) {
            cv_.wait(lock);
        } else {
            cv_.wait_until(lock, next);
        }
        std::vector<std::shared_ptr<engine::runner>> doomed;
        auto now = clock_type::now();
        for (auto it = models_.begin(); it != models_.end();) {
            if (it->second.leases == 0 && it->second.expires_at <= now) {
                doomed.push_back(std::move(it->second.runner));
                it = models_.erase(it);
            } else {
                ++it;
            }
        }
        if (!doomed.empty()) {
            lock.unlock();
            doomed.clear();
            cv_.notify_all();
            lock.lock();
        }
    }
}

}  // namespace lokal::sched
