#include "store/partial.h"

#include "core/json.h"
#include "store/digest.h"
#include "store/files.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <optional>

namespace lokal::store {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view data_suffix = ".partial";
constexpr std::string_view state_suffix = ".partial.json";
constexpr size_t max_state_bytes = 64 * 1024;
constexpr size_t max_parts = 256;
constexpr auto checkpoint_interval = std::chrono::milliseconds(1000);

// The parts a state file records, when it is one for this digest and size
// whose ranges cover [0, size) in order; nullopt for anything else.
std::optional<std::vector<part_range>> parse_state(std::string_view text, std::string_view digest, int64_t size) {
    json j = json::parse(text, nullptr, false);
    if (!j.is_object() || !j.contains("digest") || !j.contains("size") || !j.contains("parts")) return std::nullopt;
    if (!j["digest"].is_string() || j["digest"].get<std::string>() != digest) return std::nullopt;
    if (!j["size"].is_number_integer() || j["size"].get<int64_t>() != size) return std::nullopt;
    const json & ps = j["parts"];
    if (!ps.is_array() || ps.empty() || ps.size() > max_parts) return std::nullopt;
    std::vector<part_range> out;
    int64_t next = 0;
    for (const json & p : ps) {
        if (!p.is_array() || p.size() != 3) return std::nullopt;
        for (const json & v : p) {
            if (!v.is_number_integer()) return std::nullopt;
        }
        part_range r{p[0].get<int64_t>(), p[1].get<int64_t>(), p[2].get<int64_t>()};
        if (r.start != next || r.end <= r.start || r.done < 0 || r.done > r.length()) return std::nullopt;
        next = r.end;
        out.push_back(r);
    }
    if (next != size) return std::nullopt;
    return out;
}

std::string state_text(std::string_view digest, int64_t size, const std::vector<part_range> & parts) {
    json ps = json::array();
    for (const auto & p : parts) ps.push_back(json::array({p.start, p.end, p.done}));
    return json{{"digest", digest}, {"size", size}, {"parts", ps}}.dump();
}

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

int64_t file_size(int fd) {
    struct stat st {};
    return ::fstat(fd, &st) == 0 ? static_cast<int64_t>(st.st_size) : -1;
}

}  // namespace

std::vector<part_range> split_parts(int64_t size, int max_parts_wanted, int64_t min_part_size) {
    int64_t n = min_part_size > 0 ? size / min_part_size : 1;
    n = std::clamp<int64_t>(n, 1, std::clamp<int64_t>(max_parts_wanted, 1, static_cast<int64_t>(max_parts)));
    if (size <= 0) return {part_range{0, 0, 0}};
    std::vector<part_range> out;
    int64_t each = (size + n - 1) / n;
    for (int64_t start = 0; start < size; start += each) out.push_back({start, std::min(size, start + each), 0});
    return out;
}

std::string partial_data_name(const std::string & blob_file) { return blob_file + std::string(data_suffix); }
std::string partial_state_name(const std::string & blob_file) { return blob_file + std::string(state_suffix); }

result<std::unique_ptr<partial_blob>> partial_blob::open(const std::string & blobs_dir, const std::string & digest,
                                                         int64_t size, const std::vector<part_range> & layout) {
    auto d = parse_digest(digest);
    if (!d) return d.err();
    std::string file = blob_file_name(*d);
    if (file.empty() || size < 0) return make_error(errc::invalid_request, "invalid digest format");
    std::unique_ptr<partial_blob> p(new partial_blob());
    p->digest_ = *d;
    p->size_ = size;
    p->data_path_ = blobs_dir + "/" + partial_data_name(file);
    p->state_path_ = blobs_dir + "/" + partial_state_name(file);
    p->fd_ = ::open(p->data_path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (p->fd_ < 0) return files::io_error("open " + p->data_path_);
    if (::flock(p->fd_, LOCK_EX | LOCK_NB) != 0) {
        if (errno == EWOULDBLOCK) return make_error(errc::conflict, "blob " + *d + " is being downloaded already");
        return files::io_error("lock " + p->data_path_);
    }
    auto text = files::read_limited(p->state_path_, max_state_bytes);
    std::optional<std::vector<part_range>> kept;
    if (text && file_size(p->fd_) == size) kept = parse_state(*text, *d, size);
    if (!kept) {
        if (auto st = p->start_fresh(layout); !st) return st.err();
        return p;
    }
    p->parts_ = std::move(*kept);
    p->done_ = std::make_unique<std::atomic<int64_t>[]>(p->parts_.size());
    for (size_t i = 0; i < p->parts_.size(); ++i) p->done_[i] = p->parts_[i].done;
    p->resumed_ = p->done() > 0;
    return p;
}

partial_blob::~partial_blob() {
    if (fd_ >= 0) ::close(fd_);  // releases the lock; the files stay for the next pull
}

status partial_blob::start_fresh(const std::vector<part_range> & layout) {
    if (layout.empty() || layout.front().start != 0 || layout.back().end != size_) {
        return make_error(errc::internal, "bad part layout for " + digest_);
    }
    // Truncating to 0 first drops whatever an earlier, unusable attempt left in the file.
    if (::ftruncate(fd_, 0) != 0 || ::ftruncate(fd_, size_) != 0) return files::io_error("truncate " + data_path_);
    parts_ = layout;
    done_ = std::make_unique<std::atomic<int64_t>[]>(parts_.size());
    for (size_t i = 0; i < parts_.size(); ++i) parts_[i].done = done_[i] = 0;
    resumed_ = false;
    return write_state();
}

status partial_blob::reset(const std::vector<part_range> & layout) {
    std::lock_guard lock(checkpoint_mu_);
    return start_fresh(layout);
}

part_range partial_blob::part(size_t i) const {
    part_range r = parts_.at(i);
    r.done = done_[i].load();
    return r;
}

int64_t partial_blob::done() const {
    int64_t sum = 0;
    for (size_t i = 0; i < parts_.size(); ++i) sum += done_[i].load();
    return sum;
}

status partial_blob::write(size_t i, const char * data, size_t n) {
    const part_range & r = parts_.at(i);
    int64_t at = done_[i].load();
    if (static_cast<int64_t>(n) > r.length() - at) {
        return make_error(errc::too_large, "the registry sent more bytes than the manifest declares for " + digest_);
    }
    while (n > 0) {
        ssize_t w = ::pwrite(fd_, data, n, r.start + at);
        if (w < 0) {
            if (errno == EINTR) continue;
            return files::io_error("write " + data_path_);
        }
        data += w;
        n -= static_cast<size_t>(w);
        at += w;
        done_[i].store(at);  // counted only once written: checkpoint() may record it
    }
    return {};
}

void partial_blob::restart_part(size_t i) { done_[i].store(0); }

status partial_blob::write_state() {
    return files::write_atomic(state_path_, state_text(digest_, size_, parts_));
}

status partial_blob::checkpoint(bool force) {
    std::unique_lock lock(checkpoint_mu_, std::defer_lock);
    if (force) {
        lock.lock();
    } else if (!lock.try_lock()) {
        return {};  // another part is recording; it will include ours next time
    }
    auto now = std::chrono::steady_clock::now();
    if (!force && now - last_checkpoint_ < checkpoint_interval) return {};
    last_checkpoint_ = now;
    // Counts first, then the sync: every byte counted was written before it.
    for (size_t i = 0; i < parts_.size(); ++i) parts_[i].done = done_[i].load();
    if (::fdatasync(fd_) != 0) return files::io_error("fsync " + data_path_);
    return write_state();
}

status partial_blob::finish(const std::string & final_path) {
    if (!complete()) return make_error(errc::internal, "blob " + digest_ + " is not complete");
    if (auto st = checkpoint(true); !st) return st;
    sha256 hasher;
    std::vector<char> buf(1 << 20);
    for (int64_t off = 0; off < size_;) {
        ssize_t n = ::pread(fd_, buf.data(), std::min<int64_t>(buf.size(), size_ - off), off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return files::io_error("read " + data_path_);
        hasher.update(buf.data(), static_cast<size_t>(n));
        off += n;
    }
    std::string got = "sha256:" + hasher.finish_hex();
    if (got != digest_) {
        discard();
        return make_error(errc::invalid_request, "digest mismatch, expected \"" + digest_ + "\", got \"" + got + "\"");
    }
    if (::fsync(fd_) != 0) return files::io_error("fsync " + data_path_);
    if (::rename(data_path_.c_str(), final_path.c_str()) != 0) return files::io_error("rename " + data_path_);
    if (auto st = files::fsync_dir(fs::path(final_path).parent_path().string()); !st) return st;
    ::unlink(state_path_.c_str());  // a leftover state without data is stale and removed at startup
    return {};
}

void partial_blob::discard() {
    ::unlink(state_path_.c_str());
    ::unlink(data_path_.c_str());
}

int remove_stale_partials(const std::string & blobs_dir, std::chrono::hours max_age) {
    std::error_code ec;
    std::vector<fs::path> datas, states;
    for (fs::directory_iterator it(blobs_dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
        std::string n = it->path().filename().string();
        if (ends_with(n, state_suffix)) states.push_back(it->path());
        else if (ends_with(n, data_suffix)) datas.push_back(it->path());
    }
    int removed = 0;
    auto drop = [&](const fs::path & p) { removed += ::unlink(p.c_str()) == 0; };
    for (const auto & s : states) {
        std::string n = s.filename().string();
        std::string data = n.substr(0, n.size() - state_suffix.size()) + std::string(data_suffix);
        if (!fs::exists(s.parent_path() / data, ec)) drop(s);
    }
    auto now = fs::file_time_type::clock::now();
    for (const auto & d : datas) {
        std::string n = d.filename().string();
        std::string blob = n.substr(0, n.size() - data_suffix.size());
        fs::path state = d.parent_path() / partial_state_name(blob);
        int fd = ::open(d.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) continue;
        if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {  // a download in progress (another process)
            ::close(fd);
            continue;
        }
        std::string digest = blob.rfind("sha256-", 0) == 0 ? "sha256:" + blob.substr(7) : std::string();
        auto text = files::read_limited(state.string(), max_state_bytes);
        std::error_code time_ec;
        auto touched = fs::last_write_time(state, time_ec);
        bool stale = !is_normal_digest(digest) || fs::exists(d.parent_path() / blob, ec) || !text ||
                     !parse_state(*text, digest, file_size(fd)) || time_ec || now - touched > max_age;
        if (stale) {
            drop(state);
            drop(d);
        }
        ::close(fd);
    }
    return removed;
}

}  // namespace lokal::store
