#include "store/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>

namespace lokal::store::files {

namespace {

std::string random_suffix() {
    static std::atomic<uint64_t> counter{0};
    thread_local std::mt19937_64 rng{std::random_device{}()};
    char buf[64];
    std::snprintf(buf, sizeof buf, "%d-%llu-%016llx", static_cast<int>(getpid()),
                  static_cast<unsigned long long>(counter.fetch_add(1)), static_cast<unsigned long long>(rng()));
    return buf;
}

}  // namespace

error io_error(const std::string & what) {
    // A full disk is the user's to fix, and says so without our paths.
    if (errno == ENOSPC || errno == EDQUOT) {
        return make_error(errc::no_space, "no space left on device: the models folder (LOKAL_MODELS) is full");
    }
    return make_error(errc::internal, what + ": " + std::strerror(errno));
}

result<temp_file> temp_file::create(const std::string & dir) {
    std::string path = dir + "/" + std::string(temp_prefix) + random_suffix();
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        return io_error("create " + path);
    }
    return temp_file(fd, std::move(path));
}

temp_file::temp_file(temp_file && other) noexcept
    : fd_(other.fd_), path_(std::move(other.path_)), committed_(other.committed_) {
    other.fd_ = -1;
    other.committed_ = true;
}

temp_file::~temp_file() {
    if (fd_ >= 0) {
        ::close(fd_);
    }
    if (!committed_ && !path_.empty()) {
        ::unlink(path_.c_str());
    }
}

status temp_file::write(const char * data, size_t size) {
    while (size > 0) {
        ssize_t n = ::write(fd_, data, size);
        if (n < 0) {
            if (errno == EINTR) continue;
            return io_error("write " + path_);
        }
        data += n;
        size -= static_cast<size_t>(n);
    }
    return {};
}

status temp_file::commit(const std::string & dest) {
    if (::fsync(fd_) != 0) {
        return io_error("fsync " + path_);
    }
    int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) {
        return io_error("close " + path_);
    }
    if (::rename(path_.c_str(), dest.c_str()) != 0) {
        return io_error("rename " + path_ + " to " + dest);
    }
    committed_ = true;
    return fsync_dir(std::filesystem::path(dest).parent_path().string());
}

status write_atomic(const std::string & path, std::string_view data) {
    auto tmp = temp_file::create(std::filesystem::path(path).parent_path().string());
    if (!tmp) return tmp.err();
    if (auto st = tmp->write(data.data(), data.size()); !st) return st;
    return tmp->commit(path);
}

result<std::string> read_limited(const std::string & path, size_t max_bytes) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR) {
            return make_error(errc::not_found, path + " does not exist");
        }
        return io_error("open " + path);
    }
    std::string out;
    char buf[64 * 1024];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            error e = io_error("read " + path);
            ::close(fd);
            return e;
        }
        if (n == 0) break;
        if (out.size() + static_cast<size_t>(n) > max_bytes) {
            ::close(fd);
            return make_error(errc::too_large, path + " is larger than " + std::to_string(max_bytes) + " bytes");
        }
        out.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    return out;
}

status fsync_dir(const std::string & dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        return io_error("open " + dir);
    }
    int rc = ::fsync(fd);
    ::close(fd);
    if (rc != 0) {
        return io_error("fsync " + dir);
    }
    return {};
}

}  // namespace lokal::store::files
