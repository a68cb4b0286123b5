// Ollama's progress objects for /api/pull and /api/push (api.ProgressResponse:
// status, then digest, total and completed, each left out when empty or
// zero), and a reporter that throttles per-byte updates to a few a second.
#pragma once

#include "core/json.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace lokal::registry {

// Receives each progress object; returns false once nobody is listening.
using progress_fn = std::function<bool(const json &)>;

// {"status": status}
json status_object(std::string_view status);
// {"status":"<verb> <12 hex>","digest":...,"total":...,"completed":...}
json layer_progress(std::string_view verb, std::string_view digest, int64_t total, int64_t completed);
// The 12 hex characters Ollama shows for a digest ("sha256:" dropped).
std::string short_digest(std::string_view digest);

class reporter {
public:
    explicit reporter(progress_fn fn, std::chrono::milliseconds interval = std::chrono::milliseconds(100))
        : fn_(std::move(fn)), interval_(interval) {}

    // Always delivered.
    bool send(const json & j);
    bool status(std::string_view s) { return send(status_object(s)); }
    // A layer's first and last update are delivered; updates in between at
    // most once per interval; repeats of the same numbers never.
    bool layer(std::string_view verb, std::string_view digest, int64_t total, int64_t completed);
    // True once a delivery failed (the client went away).
    bool gone() const { return gone_; }

private:
    progress_fn fn_;
    std::chrono::milliseconds interval_;
    std::chrono::steady_clock::time_point last_{};
    std::string last_digest_;
    int64_t last_completed_ = -1;
    bool gone_ = false;
};

}  // namespace lokal::registry
