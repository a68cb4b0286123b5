// The model store: content-addressed blobs plus manifests, in exactly
// Ollama's on-disk layout so that either program can read what the other
// wrote:
//
//   <root>/blobs/sha256-<hex>                       one file per blob
//   <root>/manifests/<host>/<namespace>/<model>/<tag>   one manifest per name
//
// Blobs are written to a temporary file, hashed while streaming, verified,
// fsynced and renamed into place; manifests are written the same way and
// only after every blob they reference exists. Name lookups are
// case-insensitive: a manifest written as "stories/latest" is found as
// "Stories:LATEST", and writes reuse the casing already on disk.
//
// Thread-safe: manifest writes, copies and removals are serialised; reads
// need no lock because every file appears atomically.
#pragma once

#include "core/json.h"
#include "core/result.h"
#include "store/manifest.h"
#include "store/name.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace lokal::store {

// Pulls bytes in pieces: calls the sink until the data ends (true) or the
// sink or the source gives up (false). Same shape as http::body_reader.
using blob_sink = std::function<bool(const char * data, size_t size)>;
using blob_reader = std::function<bool(const blob_sink &)>;

struct manifest_entry {
    model_name name;             // with the casing found on disk
    std::string short_name;      // name.display_short()
    manifest m;
    std::string digest;          // "sha256:<hex>" of the manifest file's bytes
    int64_t size = 0;            // config + layers
    std::filesystem::file_time_type modified;
};

struct model_record {
    model_name name;
    std::string manifest_digest;            // "sha256:..."
    std::string model_path;                 // absolute path of the GGUF blob (model layer)
    std::string projector_path;             // empty if none
    std::vector<std::string> adapter_paths;
    std::string draft_path;                 // DRAFT model GGUF; empty if none
    std::optional<std::string> template_text;  // TEMPLATE layer
    std::optional<std::string> system;         // SYSTEM layer
    json params = json::object();           // params layer, Ollama's JSON ({"stop":[...],...})
    json messages = json::array();          // messages layer [{role, content}]
    std::vector<std::string> license;
    json config = json::object();           // config blob
    int64_t size = 0;                       // total bytes
    std::filesystem::file_time_type modified;
    std::string parent_model;               // the model layer's "from"
};

class read_cache;

struct store_limits {
    size_t max_manifest_bytes = 16u << 20;
    size_t max_text_layer_bytes = 16u << 20;   // template, system, license, params, messages, config
};

class store {
public:
    explicit store(std::string root, store_limits limits = {});

    // Creates blobs/ and manifests/ and removes temporary files a crash left.
    status init();

    const std::string & root() const { return root_; }
    // Where blobs and partial downloads (partial.h) live.
    const std::string & blobs_dir() const { return blobs_dir_; }

    // --- blobs ---
    // Absolute path of a blob; invalid_request for anything but a digest.
    result<std::string> blob_path(std::string_view digest) const;
    bool has_blob(std::string_view digest) const;
    // Streams a blob to disk, hashing as it goes. Digest mismatch:
    // invalid_request "digest mismatch, expected ..., got ..." and nothing is
    // left behind; more than max_bytes: too_large; source gave up: canceled.
    result<std::string> put_blob_from_reader(std::string_view expected_digest, const blob_reader & reader,
                                             int64_t max_bytes = INT64_MAX);
    // Stores data and returns its digest (no-op when the blob exists).
    result<std::string> put_blob_bytes(std::string_view data);
    // Reads a (small) blob whole; too_large beyond max_bytes.
    result<std::string> read_blob(std::string_view digest, size_t max_bytes) const;

    // --- manifests ---
    result<manifest_entry> read_manifest(const model_name & name) const;
    // Atomic, and refused (not_found) when a referenced blob is missing.
    // With raw (the bytes m was parsed from, e.g. a registry's), those bytes
    // are written as they are, so the manifest keeps its digest; otherwise
    // m in Ollama's serialisation.
    status write_manifest(const model_name & name, const manifest & m, std::string_view raw = {});
    // Every readable manifest, most recently modified first. Unreadable
    // manifests are skipped, as Ollama does.
    std::vector<manifest_entry> list() const;
    // Copies the manifest only; not_found when src does not exist.
    status copy(const model_name & src, const model_name & dst);
    // Deletes the manifest, then every blob it used that no other manifest
    // references, then the directories left empty.
    status remove(const model_name & name);
    // Deletes those of digests that no manifest references (used after a
    // create replaced a model).
    status prune_blobs(const std::vector<std::string> & digests);
    // Deletes every blob no manifest references (what an interrupted create
    // or pull leaves, or an upload no create used), as Ollama does at
    // startup. Partial downloads stay (partial.h). Deletes nothing while any
    // manifest cannot be read: the blobs it names would be lost with it.
    struct pruned {
        int blobs = 0;
        uint64_t bytes = 0;
        int unreadable_manifests = 0;  // > 0: nothing was deleted
    };
    result<pruned> prune_unreferenced();

    // The name with each part replaced by the casing already on disk, if any.
    model_name canonical(const model_name & name) const;

    // Reads everything a runner or /api/show needs about a model.
    result<model_record> resolve(const model_name & name) const;
    // The config blob of a manifest as JSON (empty object when absent).
    result<json> read_config(const manifest & m) const;

private:
    std::string manifest_path(const model_name & canonical_name) const;
    std::vector<manifest_entry> list_unlocked() const;
    std::vector<std::pair<model_name, std::string>> manifest_files() const;
    // Reads the manifest at path (n: its name as on disk), through the cache.
    result<manifest_entry> read_manifest_at(const model_name & n, const std::string & path) const;
    status remove_unreferenced(const std::vector<std::string> & digests);
    void prune_empty_dirs(const model_name & canonical_name);
    status fill_layer(model_record & rec, const layer & l) const;

    std::string root_;
    std::string blobs_dir_;
    std::string manifests_dir_;
    store_limits limits_;
    mutable std::mutex write_mu_;
    std::shared_ptr<read_cache> cache_;  // thread-safe itself
};

}  // namespace lokal::store
