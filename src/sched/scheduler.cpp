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

scheduler::scheduler(scheduler_config cfg, loader_fn loader) : cfg_(cfg), loader_(std::move(loader)) {
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
            return make_error(errc::unavailable, "server busy, please try again.  maximum pending requests exceeded");
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

    std::vector<std::shared_ptr<engine::runner>> graveyard;
    std::lock_guard<std::mutex> load_lock(load_mu_);
    {
        std::unique_lock<std::mutex> lock(mu_);
        auto it = models_.find(key);
        if (it != models_.end() && it->second.runner->params() == params) {
            take(it->second);
            return l;
        }
        if (it != models_.end()) {
            // A load-time option changed: reload once the model is idle.
            it->second.unload_when_idle = true;
            cv_.wait(lock, [&] { return stopping_ || models_.find(key) == models_.end() || models_[key].leases == 0; });
            if (stopping_) return make_error(errc::unavailable, "server is shutting down");
            if (auto again = models_.find(key); again != models_.end()) {
                graveyard.push_back(std::move(again->second.runner));
                models_.erase(again);
            }
        }
        while (static_cast<int>(models_.size()) >= cfg_.max_loaded) {
            if (!evict_one_locked(graveyard)) {
                return make_error(errc::unavailable, "server busy: all loaded models are in use (LOKAL_MAX_LOADED_MODELS=" +
                                                         std::to_string(cfg_.max_loaded) + ")");
            }
        }
    }
    graveyard.clear();  // free memory before loading the next model

    auto load_start = std::chrono::steady_clock::now();
    auto loaded = loader_(params);
    std::chrono::duration<double> load_time = std::chrono::steady_clock::now() - load_start;
    if (!loaded) return loaded.err();

    std::lock_guard<std::mutex> lock(mu_);
    loads_.seconds += load_time.count();
    loads_.count++;
    entry & e = models_[key];
    e.runner = std::shared_ptr<engine::runner>(std::move(*loaded));
    take(e);
    return l;
}

bool scheduler::evict_one_locked(std::vector<std::shared_ptr<engine::runner>> & graveyard) {
    auto victim = models_.end();
    for (auto it = models_.begin(); it != models_.end(); ++it) {
        if (it->second.leases > 0) continue;
        if (victim == models_.end() || it->second.expires_at < victim->second.expires_at) victim = it;
    }
    if (victim == models_.end()) return false;
    graveyard.push_back(std::move(victim->second.runner));
    models_.erase(victim);
    return true;
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
