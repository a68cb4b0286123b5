#include "registry/progress.h"

namespace lokal::registry {

json status_object(std::string_view status) { return json{{"status", status}}; }

std::string short_digest(std::string_view digest) {
    if (auto colon = digest.find(':'); colon != std::string_view::npos) digest.remove_prefix(colon + 1);
    return std::string(digest.substr(0, 12));
}

json layer_progress(std::string_view verb, std::string_view digest, int64_t total, int64_t completed) {
    json j = status_object(std::string(verb) + " " + short_digest(digest));
    j["digest"] = digest;
    if (total) j["total"] = total;
    if (completed) j["completed"] = completed;
    return j;
}

bool reporter::send(const json & j) {
    if (gone_) return false;
    if (fn_ && !fn_(j)) gone_ = true;
    return !gone_;
}

bool reporter::layer(std::string_view verb, std::string_view digest, int64_t total, int64_t completed) {
    auto now = std::chrono::steady_clock::now();
    bool same_layer = digest == last_digest_;
    // Transfers report far more often than anything changes: repeat nothing,
    // and within a layer send at most one update per interval (but always the last).
    if (same_layer && completed == last_completed_) return !gone_;
    if (same_layer && completed < total && now - last_ < interval_) return !gone_;
    last_ = now;
    last_digest_ = std::string(digest);
    last_completed_ = completed;
    return send(layer_progress(verb, digest, total, completed));
}

}  // namespace lokal::registry
