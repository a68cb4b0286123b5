#include "store/read_cache.h"

#include <sys/stat.h>
#include <time.h>

namespace lokal::store {

std::optional<file_key> key_of(const std::string & path) {
    struct stat st{};
    if (::stat(path.c_str(), &st) != 0) return std::nullopt;
    return file_key{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino), static_cast<int64_t>(st.st_size),
                    static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
}

int64_t now_ns() {
    timespec ts{};
    ::clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

bool still_valid(const listing_snapshot & snap) {
    constexpr int64_t racy_ns = 1'000'000'000;
    for (const auto & [dir, key] : snap.dirs) {
        if (key.mtime_ns >= snap.taken_ns - racy_ns) return false;
        auto now = key_of(dir);
        if (!now || !(*now == key)) return false;
    }
    return true;
}

std::optional<listing_snapshot> read_cache::listing() const {
    std::lock_guard lock(mu_);
    return listing_;
}

void read_cache::put_listing(listing_snapshot snap) {
    std::lock_guard lock(mu_);
    listing_ = std::move(snap);
}

std::optional<manifest_entry> read_cache::manifest(const std::string & path, const file_key & key) const {
    std::lock_guard lock(mu_);
    auto it = manifests_.find(path);
    if (it == manifests_.end() || !(it->second.first == key)) return std::nullopt;
    return it->second.second;
}

void read_cache::put_manifest(const std::string & path, const file_key & key, const manifest_entry & e) {
    std::lock_guard lock(mu_);
    if (manifests_.size() >= max_manifests) manifests_.clear();
    manifests_.insert_or_assign(path, std::make_pair(key, e));
}

std::optional<json> read_cache::config(std::string_view digest) const {
    std::lock_guard lock(mu_);
    auto it = configs_.find(std::string(digest));
    if (it == configs_.end()) return std::nullopt;
    return it->second;
}

void read_cache::put_config(std::string_view digest, const json & config) {
    std::lock_guard lock(mu_);
    if (configs_.size() >= max_manifests) configs_.clear();
    configs_.insert_or_assign(std::string(digest), config);
}

std::optional<std::string> read_cache::blob_text(std::string_view digest) const {
    std::lock_guard lock(mu_);
    auto it = texts_.find(std::string(digest));
    if (it == texts_.end()) return std::nullopt;
    return it->second;
}

void read_cache::put_blob_text(std::string_view digest, const std::string & text) {
    if (text.size() > max_blob_text) return;
    std::lock_guard lock(mu_);
    if (text_bytes_ + text.size() > max_text_bytes) {
        texts_.clear();
        text_bytes_ = 0;
    }
    if (texts_.emplace(std::string(digest), text).second) text_bytes_ += text.size();
}

void read_cache::forget_blob(std::string_view digest) {
    std::lock_guard lock(mu_);
    auto it = texts_.find(std::string(digest));
    configs_.erase(std::string(digest));
    if (it == texts_.end()) return;
    text_bytes_ -= it->second.size();
    texts_.erase(it);
}

}  // namespace lokal::store
