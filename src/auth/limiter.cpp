#include "auth/limiter.h"

#include <algorithm>
#include <cmath>

namespace lokal::auth {

namespace {

// Enough for every client of a busy server; beyond it the stalest go first.
constexpr size_t max_entries = 100'000;

int seconds_until(clock::time_point from, clock::time_point to) {
    auto s = std::chrono::duration_cast<std::chrono::milliseconds>(to - from).count();
    return std::max<int>(1, static_cast<int>((s + 999) / 1000));
}

}  // namespace

void failure_limiter::prune_locked(clock::time_point now) {
    if (entries_.size() < max_entries) return;
    for (auto it = entries_.begin(); it != entries_.end();) {
        it = now - it->second.first >= window_ ? entries_.erase(it) : std::next(it);
    }
    if (entries_.size() >= max_entries) entries_.clear();  // under attack: forget rather than grow
}

int failure_limiter::retry_after(const std::string & key, clock::time_point now) {
    std::lock_guard lock(mu_);
    auto it = entries_.find(key);
    if (it == entries_.end()) return 0;
    if (now - it->second.first >= window_) {
        entries_.erase(it);
        return 0;
    }
    if (it->second.failures < max_) return 0;
    return seconds_until(now, it->second.first + window_);
}

void failure_limiter::failed(const std::string & key, clock::time_point now) {
    std::lock_guard lock(mu_);
    prune_locked(now);
    auto & e = entries_[key];
    if (e.failures == 0 || now - e.first >= window_) e = entry{0, now};
    ++e.failures;
}

void failure_limiter::succeeded(const std::string & key) {
    std::lock_guard lock(mu_);
    entries_.erase(key);
}

int rate_limiter::take(const std::string & key, clock::time_point now) {
    if (per_minute_ <= 0) return 0;
    std::lock_guard lock(mu_);
    if (buckets_.size() >= max_entries && !buckets_.count(key)) buckets_.clear();
    const double rate = per_minute_ / 60.0;  // tokens per second
    auto [it, fresh] = buckets_.try_emplace(key, bucket{static_cast<double>(per_minute_), now});
    bucket & b = it->second;
    if (!fresh) {
        double elapsed = std::chrono::duration<double>(now - b.at).count();
        b.tokens = std::min<double>(per_minute_, b.tokens + elapsed * rate);
        b.at = now;
    }
    if (b.tokens >= 1.0) {
        b.tokens -= 1.0;
        return 0;
    }
    return std::max(1, static_cast<int>(std::ceil((1.0 - b.tokens) / rate)));
}

}  // namespace lokal::auth
