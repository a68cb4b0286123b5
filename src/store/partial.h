// A blob being downloaded, kept across interruptions (a dropped connection,
// a canceled pull, a killed process) so that the next pull continues it.
//
// On disk, next to the finished blobs:
//
//   blobs/sha256-<hex>.partial        the data, sized to the blob from the start
//                                     (sparse); byte ranges are written in place
//   blobs/sha256-<hex>.partial.json   {"digest","size","parts":[[start,end,done],...]}
//
// The blob is split into byte ranges ("parts", fetched concurrently); each
// part's `done` counts the bytes from its start that are on disk. The state
// file is only ever written after an fdatasync of the data and with counts
// taken before it, so after a kill it never claims bytes that were not
// written: what it records is safe to keep, the rest is fetched again. The
// data is hashed whole when every part is done (finish()), and only a file
// that matches its digest is renamed to its final name.
//
// One download of a blob at a time: the data file is flock()ed while open
// (across processes and within one), and a second open waits or gives up.
//
// Stale (removed by remove_stale_partials at startup): state without data or
// data without state, state that does not parse or does not match its data
// file, partials of blobs that already exist, and partials nobody touched for
// longer than the age limit (a pull abandoned for good). Partials that
// another process holds locked are left alone.
#pragma once

#include "core/result.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace lokal::store {

struct part_range {
    int64_t start = 0;
    int64_t end = 0;  // exclusive
    int64_t done = 0;
    int64_t length() const { return end - start; }
};

// Splits size bytes into at most max_parts ranges of at least min_part_size
// bytes each (one range for a small blob).
std::vector<part_range> split_parts(int64_t size, int max_parts, int64_t min_part_size);

class partial_blob {
public:
    // Opens the partial download of digest (size bytes) in blobs_dir,
    // continuing a valid one left from before or starting a new one with
    // `layout` (from split_parts). conflict when another download holds it.
    static result<std::unique_ptr<partial_blob>> open(const std::string & blobs_dir, const std::string & digest,
                                                      int64_t size, const std::vector<part_range> & layout);
    ~partial_blob();
    partial_blob(const partial_blob &) = delete;
    partial_blob & operator=(const partial_blob &) = delete;

    const std::string & digest() const { return digest_; }
    int64_t size() const { return size_; }
    size_t part_count() const { return parts_.size(); }
    part_range part(size_t i) const;
    // Bytes on disk over all parts (including what an earlier run fetched).
    int64_t done() const;
    bool complete() const { return done() == size_; }
    // Whether this run continued an earlier one.
    bool resumed() const { return resumed_; }

    // Appends data to part i (at its start + done). too_large when it would
    // run past the part's end. Thread-safe across parts (one writer per part).
    status write(size_t i, const char * data, size_t n);
    // Throws away what part i fetched (a server that answered from the start).
    void restart_part(size_t i);
    // Starts over with another layout (a server that ignores Range).
    status reset(const std::vector<part_range> & layout);
    // Makes the fetched bytes durable and records them; at most once per
    // interval unless forced. Thread-safe.
    status checkpoint(bool force = false);
    // Every part complete: hashes the data, and on a match renames it to its
    // final blob name (durably) and removes the state. On a mismatch the
    // partial is deleted and the error is invalid_request "digest mismatch".
    status finish(const std::string & final_path);
    // Deletes the data and the state (a blob found to be wrong).
    void discard();

private:
    partial_blob() = default;
    status write_state();
    status start_fresh(const std::vector<part_range> & layout);

    std::string digest_;
    std::string data_path_;
    std::string state_path_;
    int64_t size_ = 0;
    int fd_ = -1;
    bool resumed_ = false;
    std::vector<part_range> parts_;
    std::unique_ptr<std::atomic<int64_t>[]> done_;
    std::mutex checkpoint_mu_;
    std::chrono::steady_clock::time_point last_checkpoint_{};
};

// File names of the partial of a blob file name ("sha256-<hex>").
std::string partial_data_name(const std::string & blob_file);
std::string partial_state_name(const std::string & blob_file);

// Removes stale partials in blobs_dir (see above); returns how many.
int remove_stale_partials(const std::string & blobs_dir, std::chrono::hours max_age);

}  // namespace lokal::store
