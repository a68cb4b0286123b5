#include "registry/upload_state.h"

#include "core/json.h"
#include "registry/url.h"
#include "store/digest.h"
#include "store/files.h"

#include <charconv>
#include <chrono>
#include <filesystem>

namespace lokal::registry {

upload_state::upload_state(const std::string & root, const std::string & registry, const store::model_name & name,
                           const std::string & digest)
    : dir_(root + "/uploads"), registry_(registry) {
    // Hashed: the file name depends on nothing a registry or request can shape.
    std::string key = registry + "\n" + name.ns + "/" + name.model + "\n" + digest;
    path_ = dir_ + "/" + store::digest_of(key).substr(7);
}

std::optional<std::string> upload_state::load() const {
    auto text = store::files::read_limited(path_, 64 * 1024);
    if (!text) return std::nullopt;
    json j = json::parse(*text, nullptr, false);
    if (!j.is_object() || !j.contains("location") || !j["location"].is_string()) return std::nullopt;
    std::string location = j["location"];
    // Only back to the registry that gave it: the file is data, not trust.
    auto loc = parse_url(location);
    auto reg = parse_url(registry_);
    if (!loc || !reg || loc->origin() != reg->origin()) return std::nullopt;
    return location;
}

namespace {

// Registries drop unfinished uploads after a while (distribution: a week), so
// older state is useless; swept whenever an upload is saved.
void remove_stale(const std::string & dir) {
    const auto cutoff = std::filesystem::file_time_type::clock::now() - std::chrono::hours(24 * 7);
    std::error_code ec;
    for (const auto & e : std::filesystem::directory_iterator(dir, ec)) {
        std::error_code e2;
        if (e.is_regular_file(e2) && e.last_write_time(e2) < cutoff && !e2) std::filesystem::remove(e.path(), e2);
    }
}

}  // namespace

void upload_state::save(const std::string & location) const {
    std::error_code ec;
    std::filesystem::create_directories(dir_, ec);
    if (ec) return;
    remove_stale(dir_);
    (void)store::files::write_atomic(path_, json{{"location", location}}.dump());
}

void upload_state::clear() const {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
}

std::optional<int64_t> next_offset_from_range(const std::string & range) {
    // "0-<last>", as distribution sends it; some registries prefix "bytes=".
    std::string_view r = range;
    if (r.substr(0, 6) == "bytes=") r.remove_prefix(6);
    if (r.substr(0, 2) != "0-") return std::nullopt;
    r.remove_prefix(2);
    int64_t last = -1;
    auto [p, ec] = std::from_chars(r.data(), r.data() + r.size(), last);
    if (ec != std::errc() || p != r.data() + r.size() || last < 0) return std::nullopt;
    return last + 1;
}

}  // namespace lokal::registry
