// Memoised reads for the store's hot paths: every /api/tags lists all
// manifests and reads each config blob, and every generate or chat resolves
// its model's manifest and text layers. Without this each listing re-reads,
// re-parses and re-hashes every file.
//
// Both caches are safe against changes made behind our back (another
// process, Ollama sharing the store, a user editing files):
//  - a manifest is reused only while its file's identity (device, inode,
//    size, modification time) is unchanged; writes are atomic renames, which
//    always give a new inode;
//  - the set of manifests is reused while no directory of the manifests tree
//    changed (adding, removing or renaming an entry changes its directory's
//    identity); a directory modified within a second of the snapshot is not
//    trusted, since coarse timestamps could hide a second change in the same
//    tick (git's "racy" rule);
//  - blobs are content-addressed, so a small blob's text never changes for
//    its digest; it is forgotten when the store deletes the blob.
#pragma once

#include "store/store.h"

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace lokal::store {

// What identifies a file's current content without reading it.
struct file_key {
    uint64_t dev = 0, ino = 0;
    int64_t size = 0, mtime_ns = 0;
    bool operator==(const file_key &) const = default;
};

// The key of the file at path; nullopt when it cannot be stat'ed.
std::optional<file_key> key_of(const std::string & path);

// The manifests tree as last walked: every directory with its key, and
// every manifest file found.
struct listing_snapshot {
    std::vector<std::pair<std::string, file_key>> dirs;
    std::vector<std::pair<model_name, std::string>> manifests;  // name as on disk, path
    int64_t taken_ns = 0;                                       // CLOCK_REALTIME, as file times
};

// When the directories of snap are all unchanged and none was modified close
// to the snapshot.
bool still_valid(const listing_snapshot & snap);
int64_t now_ns();

class read_cache {
public:
    std::optional<listing_snapshot> listing() const;
    void put_listing(listing_snapshot snap);

    std::optional<manifest_entry> manifest(const std::string & path, const file_key & key) const;
    void put_manifest(const std::string & path, const file_key & key, const manifest_entry & e);

    // Parsed config blobs, by digest.
    std::optional<json> config(std::string_view digest) const;
    void put_config(std::string_view digest, const json & config);

    std::optional<std::string> blob_text(std::string_view digest) const;
    void put_blob_text(std::string_view digest, const std::string & text);
    void forget_blob(std::string_view digest);

    // Only blobs up to this size are kept (templates, parameters, configs).
    static constexpr size_t max_blob_text = 256u << 10;

private:
    // Bounds: past these, a cache starts over (entries are cheap to rebuild).
    static constexpr size_t max_manifests = 4096;  // and configs
    static constexpr size_t max_text_bytes = 16u << 20;

    mutable std::mutex mu_;
    std::optional<listing_snapshot> listing_;
    std::unordered_map<std::string, std::pair<file_key, manifest_entry>> manifests_;
    std::unordered_map<std::string, json> configs_;
    std::unordered_map<std::string, std::string> texts_;
    size_t text_bytes_ = 0;
};

}  // namespace lokal::store
