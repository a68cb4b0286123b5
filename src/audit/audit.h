// The audit log: an append-only JSON-lines file with one line per model
// management action (pull, push, create, copy, delete, blob upload), account
// event (login, key and user changes) and refused request. A line names who
// (principal), from where, what, on what and how it ended; never a prompt, an
// answer or a request body.
//
// Each line is one write(2) on an O_APPEND descriptor followed by fsync, and
// record() returns only then: callers record before they answer, so an
// answered request is on disk. Rotation: rename (or remove) the file; the
// next record() sees that the path no longer names the open file and starts
// a new one there (logrotate's default "create" mode works; copytruncate is
// not needed).
#pragma once

#include "core/result.h"

#include <chrono>
#include <mutex>
#include <string>

#include <sys/types.h>

namespace lokal::audit {

struct event {
    std::string principal;  // user name; empty when authentication is off (written as null)
    std::string source;     // client address
    std::string action;     // "pull", "push", "create", "copy", "delete", "blob_upload", "login", "denied", ...
    std::string target;     // model name, digest or "METHOD /path"
    int status = 0;         // HTTP status of the outcome
    std::string error;      // short reason when it failed; empty on success (written as null)
};

// One JSON line (with its newline). Strings are cut to a few hundred bytes,
// invalid UTF-8 replaced.
std::string format_line(const event & e, std::chrono::system_clock::time_point when);

class log {
public:
    // An empty path disables the log: record() then succeeds without writing.
    explicit log(std::string path);
    ~log();
    log(const log &) = delete;
    log & operator=(const log &) = delete;

    // Creates the file (mode 0600) or opens it for appending.
    status open();
    // Appends e's line and fsyncs. An error means the line may be missing:
    // it is also reported on stderr, and callers answering a management
    // request turn it into a 500.
    status record(const event & e);
    const std::string & path() const { return path_; }

private:
    status open_locked();
    status reopen_if_moved_locked();

    std::string path_;
    std::mutex mu_;
    int fd_ = -1;
    dev_t dev_ = 0;
    ino_t ino_ = 0;
};

}  // namespace lokal::audit
