#include "audit/audit.h"

#include "core/json.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

namespace lokal::audit {

namespace {

constexpr size_t max_field = 512;

json text_or_null(const std::string & s) {
    if (s.empty()) return nullptr;
    return s.size() > max_field ? s.substr(0, max_field) : s;
}

std::string rfc3339(std::chrono::system_clock::time_point t) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
    std::time_t secs = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[96];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                  tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
    return buf;
}

error io_failure(const std::string & what, int err) {
    return make_error(errc::internal, "audit log: " + what + ": " + std::strerror(err));
}

}  // namespace

std::string format_line(const event & e, std::chrono::system_clock::time_point when) {
    json j = json::object();
    j["time"] = rfc3339(when);
    j["principal"] = text_or_null(e.principal);
    j["source"] = text_or_null(e.source);
    j["action"] = text_or_null(e.action);
    j["target"] = text_or_null(e.target);
    j["status"] = e.status;
    j["error"] = text_or_null(e.error);
    return j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

log::log(std::string path) : path_(std::move(path)) {}

log::~log() {
    if (fd_ >= 0) ::close(fd_);
}

status log::open() {
    std::lock_guard lock(mu_);
    return open_locked();
}

status log::open_locked() {
    if (path_.empty()) return {};
    if (fd_ >= 0) ::close(fd_);
    fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0) return io_failure("cannot open " + path_, errno);
    struct stat st{};
    if (::fstat(fd_, &st) != 0) return io_failure("cannot stat " + path_, errno);
    dev_ = st.st_dev;
    ino_ = st.st_ino;
    return {};
}

// A renamed or removed file (rotation) is noticed here: the path then names
// another file, or none, and a new one is opened.
status log::reopen_if_moved_locked() {
    struct stat st{};
    if (fd_ >= 0 && ::stat(path_.c_str(), &st) == 0 && st.st_dev == dev_ && st.st_ino == ino_) return {};
    return open_locked();
}

status log::record(const event & e) {
    if (path_.empty()) return {};
    std::string line = format_line(e, std::chrono::system_clock::now());
    std::lock_guard lock(mu_);
    status st = reopen_if_moved_locked();
    if (st) {
        // One write on an O_APPEND descriptor: lines never interleave.
        ssize_t n = ::write(fd_, line.data(), line.size());
        if (n != static_cast<ssize_t>(line.size())) {
            st = io_failure("cannot write to " + path_, n < 0 ? errno : ENOSPC);
        } else if (::fdatasync(fd_) != 0) {
            st = io_failure("cannot sync " + path_, errno);
        }
    }
    if (st) return st;
    // Details (the path) go to the server's log, not to the client.
    std::fprintf(stderr, "lokal: %s; unrecorded: %s", st.err().message.c_str(), line.c_str());
    return make_error(errc::internal, "could not write the audit log (the server log says why)");
}

}  // namespace lokal::audit
