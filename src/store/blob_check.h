// Checks at load time that a blob file still holds the bytes its name
// (sha256-<hex>) promises: a blob flipped on disk after it was stored (bit
// rot, a stray edit) is refused with a clear message instead of being run.
// Files that passed are remembered by device, inode, size and modification
// time, so each file is hashed once per change, not at every load; the
// first load of a large model pays one sequential read (about 1.5 GB/s).
#pragma once

#include "core/result.h"

#include <mutex>
#include <set>
#include <string>
#include <tuple>

namespace lokal::store {

class blob_check {
public:
    // Files whose name is not a blob digest pass unchecked.
    status verify(const std::string & path);

private:
    using key = std::tuple<unsigned long, unsigned long, long long, long long>;  // dev, ino, size, mtime ns
    std::mutex mu_;
    std::set<key> verified_;
};

}  // namespace lokal::store
