// Durable file operations the store is built on (POSIX). Every write goes to
// a temporary file in the destination directory, is fsynced, renamed into
// place and followed by an fsync of the directory, so a crash leaves either
// the old file or the new one, never a torn one.
#pragma once

#include "core/result.h"

#include <string>
#include <string_view>

namespace lokal::store::files {

// Prefix of every temporary file the store creates; init() removes leftovers.
inline constexpr std::string_view temp_prefix = ".lokal-tmp-";

// An open temporary file that is removed on destruction unless committed.
class temp_file {
public:
    // Creates <dir>/<temp_prefix><random>.
    static result<temp_file> create(const std::string & dir);
    temp_file(temp_file && other) noexcept;
    temp_file & operator=(temp_file &&) = delete;
    temp_file(const temp_file &) = delete;
    ~temp_file();

    status write(const char * data, size_t size);
    // fsync, close, rename onto dest, fsync dest's directory.
    status commit(const std::string & dest);
    const std::string & path() const { return path_; }

private:
    temp_file(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
    int fd_ = -1;
    std::string path_;
    bool committed_ = false;
};

// Atomically replaces path with data.
status write_atomic(const std::string & path, std::string_view data);

// Reads a whole file of at most max_bytes (too_large beyond it; not_found
// when it does not exist).
result<std::string> read_limited(const std::string & path, size_t max_bytes);

status fsync_dir(const std::string & dir);

// "<what>: <strerror(errno)>" as an internal error; for ENOSPC/EDQUOT a
// no_space error naming the models folder (and no path).
error io_error(const std::string & what);

}  // namespace lokal::store::files
