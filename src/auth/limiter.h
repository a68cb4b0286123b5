// In-memory request limits, keyed by a string (a key id, a login name and
// address): failed logins (lockout with a retry time) and requests per
// minute (a token bucket). Bounded in size; forgotten on restart, which is
// fine for limits measured in minutes.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace lokal::auth {

using clock = std::chrono::steady_clock;

// After `max_failures` failures within `window`, further attempts are
// refused until the window has passed since the first failure.
class failure_limiter {
public:
    failure_limiter(int max_failures, std::chrono::seconds window) : max_(max_failures), window_(window) {}

    // Seconds to wait before trying again; 0 when an attempt may go on.
    int retry_after(const std::string & key, clock::time_point now = clock::now());
    void failed(const std::string & key, clock::time_point now = clock::now());
    void succeeded(const std::string & key);

private:
    struct entry {
        int failures = 0;
        clock::time_point first;
    };
    void prune_locked(clock::time_point now);
    int max_;
    std::chrono::seconds window_;
    std::mutex mu_;
    std::unordered_map<std::string, entry> entries_;
};

// At most `per_minute` requests per key, refilled continuously (bursts up to
// per_minute). per_minute <= 0: no limit.
class rate_limiter {
public:
    explicit rate_limiter(int per_minute) : per_minute_(per_minute) {}

    // Seconds until a request would be allowed; 0 when this one is (and is counted).
    int take(const std::string & key, clock::time_point now = clock::now());
    bool enabled() const { return per_minute_ > 0; }

private:
    struct bucket {
        double tokens = 0;
        clock::time_point at;
    };
    int per_minute_;
    std::mutex mu_;
    std::unordered_map<std::string, bucket> buckets_;
};

}  // namespace lokal::auth
