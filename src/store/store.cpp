#include "store/store.h"

#include "store/digest.h"
#include "store/files.h"
#include "store/gguf.h"
#include "store/partial.h"
#include "store/read_cache.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <set>

namespace lokal::store {

namespace fs = std::filesystem;

namespace {

// A pull abandoned for this long is not coming back for its partial download.
constexpr std::chrono::hours partial_max_age{24 * 7};

bool is_temp_name(const std::string & file_name) {
    return file_name.rfind(files::temp_prefix, 0) == 0;
}

// Entries of dir (names only), without throwing; empty when dir is unreadable.
std::vector<fs::directory_entry> entries_of(const std::string & dir) {
    std::vector<fs::directory_entry> out;
    std::error_code ec;
    fs::directory_iterator it(dir, ec);
    for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
        out.push_back(*it);
    }
    return out;
}

// Names of the subdirectories (or regular files) of dir, temporary files
// left out. readdir's d_type spares a stat per entry: the listing walks
// this on every /api/tags.
std::vector<std::string> names_in(const std::string & dir, bool want_dirs) {
    std::vector<std::string> out;
    std::unique_ptr<DIR, int (*)(DIR *)> d(::opendir(dir.c_str()), ::closedir);
    if (!d) return out;
    while (const dirent * e = ::readdir(d.get())) {
        std::string n = e->d_name;
        if (n == "." || n == ".." || is_temp_name(n)) continue;
        unsigned char type = e->d_type;
        if (type == DT_UNKNOWN || type == DT_LNK) {  // some filesystems; links count as what they point to
            struct stat st{};
            if (::stat((dir + "/" + n).c_str(), &st) != 0) continue;
            type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
        }
        if (type == (want_dirs ? DT_DIR : DT_REG)) out.push_back(std::move(n));
    }
    return out;
}

// The entry of dir whose name equals want case-insensitively, preferring an
// exact match; empty when none.
std::string find_fold(const std::string & dir, const std::string & want) {
    std::error_code ec;
    if (fs::exists(dir + "/" + want, ec)) {
        return want;
    }
    for (const auto & e : entries_of(dir)) {
        std::string n = e.path().filename().string();
        if (iequals(n, want)) {
            return n;
        }
    }
    return {};
}

status make_dirs(const std::string & root, const std::vector<std::string> & parts) {
    std::string dir = root;
    for (const auto & p : parts) {
        std::string next = dir + "/" + p;
        std::error_code ec;
        if (!fs::is_directory(next, ec)) {
            if (!fs::create_directory(next, ec) && !fs::is_directory(next, ec)) {
                return make_error(errc::internal, "create directory " + next + ": " + ec.message());
            }
            if (auto st = files::fsync_dir(dir); !st) return st;
        }
        dir = next;
    }
    return {};
}

std::vector<std::string> referenced_digests(const manifest & m) {
    std::vector<std::string> out;
    if (!m.config.digest.empty()) out.push_back(m.config.digest);
    for (const auto & l : m.layers) out.push_back(l.digest);
    return out;
}

}  // namespace

store::store(std::string root, store_limits limits) : limits_(limits), cache_(std::make_shared<read_cache>()) {
    std::error_code ec;
    fs::path p = fs::absolute(fs::path(root), ec);
    root_ = (ec ? fs::path(root) : p).lexically_normal().string();
    while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
    blobs_dir_ = root_ + "/blobs";
    manifests_dir_ = root_ + "/manifests";
}

status store::init() {
    for (const auto & dir : {root_, blobs_dir_, manifests_dir_}) {
        std::error_code ec;
        fs::create_directories(dir, ec);
        if (ec || !fs::is_directory(dir, ec)) {
            return make_error(errc::internal, "cannot create " + dir + ": " + ec.message());
        }
    }
    // Leftovers of interrupted writes: a temp file is never referenced.
    for (const auto & e : entries_of(blobs_dir_)) {
        if (is_temp_name(e.path().filename().string())) {
            ::unlink(e.path().c_str());
        }
    }
    // Downloads that cannot be continued (see partial.h for what is stale).
    remove_stale_partials(blobs_dir_, partial_max_age);
    std::error_code ec;
    fs::recursive_directory_iterator it(manifests_dir_, ec);
    std::vector<fs::path> stale;
    for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (is_temp_name(it->path().filename().string())) stale.push_back(it->path());
    }
    for (const auto & p : stale) ::unlink(p.c_str());
    return {};
}

// --- blobs -----------------------------------------------------------------

result<std::string> store::blob_path(std::string_view digest) const {
    auto d = parse_digest(digest);
    if (!d) return d.err();
    std::string file = blob_file_name(*d);
    if (file.empty()) {  // parse_digest guarantees the form; check again where the path is built
        return make_error(errc::invalid_request, "invalid digest format");
    }
    return blobs_dir_ + "/" + file;
}

bool store::has_blob(std::string_view digest) const {
    auto p = blob_path(digest);
    struct stat st {};
    return p && ::stat(p->c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

result<std::string> store::put_blob_from_reader(std::string_view expected_digest, const blob_reader & reader,
                                                int64_t max_bytes) {
    auto expected = parse_digest(expected_digest);
    if (!expected) return expected.err();
    auto dest = blob_path(*expected);
    if (!dest) return dest.err();
    auto tmp = files::temp_file::create(blobs_dir_);
    if (!tmp) return tmp.err();

    sha256 hasher;
    int64_t total = 0;
    std::optional<error> sink_error;
    bool ok = reader([&](const char * data, size_t size) {
        if (static_cast<uint64_t>(size) > static_cast<uint64_t>(max_bytes - total)) {
            sink_error = make_error(errc::too_large, "blob is larger than " + std::to_string(max_bytes) + " bytes");
            return false;
        }
        if (auto st = tmp->write(data, size); !st) {
            sink_error = st.err();
            return false;
        }
        hasher.update(data, size);
        total += static_cast<int64_t>(size);
        return true;
    });
    if (sink_error) return *sink_error;
    if (!ok) return make_error(errc::canceled, "upload interrupted");

    std::string got = "sha256:" + hasher.finish_hex();
    if (got != *expected) {
        return make_error(errc::invalid_request, "digest mismatch, expected \"" + *expected + "\", got \"" + got + "\"");
    }
    // A blob that claims to be GGUF must be one before llama.cpp ever sees it.
    if (auto st = gguf::validate_if_gguf(tmp->path()); !st) return st.err();
    if (auto st = tmp->commit(*dest); !st) return st.err();
    return got;
}

result<std::string> store::put_blob_bytes(std::string_view data) {
    std::string digest = digest_of(data);
    if (has_blob(digest)) {
        return digest;
    }
    auto dest = blob_path(digest);
    if (!dest) return dest.err();
    auto tmp = files::temp_file::create(blobs_dir_);
    if (!tmp) return tmp.err();
    if (auto st = tmp->write(data.data(), data.size()); !st) return st.err();
    if (auto st = tmp->commit(*dest); !st) return st.err();
    return digest;
}

result<std::string> store::read_blob(std::string_view digest, size_t max_bytes) const {
    if (auto hit = cache_->blob_text(digest); hit && hit->size() <= max_bytes) return std::move(*hit);
    auto p = blob_path(digest);
    if (!p) return p.err();
    auto data = files::read_limited(*p, max_bytes);
    if (!data && data.err().code == errc::not_found) {
        return make_error(errc::not_found, "blob " + std::string(digest) + " not found");
    }
    if (data) cache_->put_blob_text(digest, *data);
    return data;
}

// --- manifests ---------------------------------------------------------------

model_name store::canonical(const model_name & name) const {
    model_name out = name;
    std::string dir = manifests_dir_;
    for (std::string * part : {&out.host, &out.ns, &out.model, &out.tag}) {
        std::string found = find_fold(dir, *part);
        if (found.empty()) {
            break;
        }
        *part = found;
        dir += "/" + found;
    }
    return out;
}

std::string store::manifest_path(const model_name & n) const {
    // Names were validated when parsed; validate again where the path is built.
    if (!name_from_parts(n.host, n.ns, n.model, n.tag)) {
        return {};
    }
    return manifests_dir_ + "/" + n.manifest_relpath();
}

result<manifest_entry> store::read_manifest(const model_name & name) const {
    model_name n = canonical(name);
    std::string path = manifest_path(n);
    if (path.empty()) return make_error(errc::not_found, "model '" + name.display_short() + "' not found");
    auto e = read_manifest_at(n, path);
    if (!e && e.err().code == errc::not_found) {
        return make_error(errc::not_found, "model '" + name.display_short() + "' not found");
    }
    return e;
}

result<manifest_entry> store::read_manifest_at(const model_name & n, const std::string & path) const {
    auto key = key_of(path);
    if (!key) return make_error(errc::not_found, "model '" + n.display_short() + "' not found");
    if (auto hit = cache_->manifest(path, *key)) return std::move(*hit);
    auto bytes = files::read_limited(path, limits_.max_manifest_bytes);
    if (!bytes) return bytes.err();
    auto m = parse_manifest(*bytes, {limits_.max_manifest_bytes});
    if (!m) {
        return make_error(errc::internal, "manifest of " + n.display_short() + ": " + m.err().message);
    }
    manifest_entry e;
    e.name = n;
    e.short_name = n.display_short();
    e.digest = digest_of(*bytes);
    e.size = m->total_size();
    std::error_code ec;
    e.modified = fs::last_write_time(path, ec);
    e.m = std::move(*m);
    // Cached under the key seen before reading: if the file was replaced in
    // between, the next stat differs and the entry is read again.
    cache_->put_manifest(path, *key, e);
    return e;
}

status store::write_manifest(const model_name & name, const manifest & m, std::string_view raw) {
    std::lock_guard lock(write_mu_);
    for (const auto & d : referenced_digests(m)) {
        if (!has_blob(d)) {
            return make_error(errc::not_found, "blob " + d + " referenced by the manifest does not exist");
        }
    }
    model_name n = canonical(name);
    std::string path = manifest_path(n);
    if (path.empty()) {
        return make_error(errc::invalid_request, "invalid model name");
    }
    if (auto st = make_dirs(manifests_dir_, {n.host, n.ns, n.model}); !st) return st;
    return files::write_atomic(path, raw.empty() ? serialize_manifest(m) : std::string(raw));
}

std::vector<manifest_entry> store::list() const { return list_unlocked(); }

// The manifest files under manifests/, from the cached snapshot while the
// tree is unchanged, else by walking it.
std::vector<std::pair<model_name, std::string>> store::manifest_files() const {
    if (auto snap = cache_->listing(); snap && still_valid(*snap)) return std::move(snap->manifests);
    listing_snapshot snap;
    snap.taken_ns = now_ns();
    // Each directory's key is taken before it is read: a change during the
    // walk then fails the next validation.
    auto enter = [&snap](const std::string & dir, bool want_dirs) {
        if (auto k = key_of(dir)) snap.dirs.emplace_back(dir, *k);
        return names_in(dir, want_dirs);
    };
    for (const auto & host : enter(manifests_dir_, true)) {
        std::string hd = manifests_dir_ + "/" + host;
        for (const auto & ns : enter(hd, true)) {
            for (const auto & model : enter(hd + "/" + ns, true)) {
                for (const auto & tag : enter(hd + "/" + ns + "/" + model, false)) {
                    auto n = name_from_parts(host, ns, model, tag);
                    if (n) snap.manifests.emplace_back(*n, manifest_path(*n));
                }
            }
        }
    }
    auto files = snap.manifests;
    cache_->put_listing(std::move(snap));
    return files;
}

std::vector<manifest_entry> store::list_unlocked() const {
    std::vector<manifest_entry> out;
    for (const auto & [name, path] : manifest_files()) {
        auto e = read_manifest_at(name, path);
        if (e) out.push_back(std::move(*e));
    }
    std::stable_sort(out.begin(), out.end(), [](const manifest_entry & a, const manifest_entry & b) {
        if (a.modified != b.modified) return a.modified > b.modified;
        return a.short_name < b.short_name;
    });
    return out;
}

status store::copy(const model_name & src, const model_name & dst) {
    std::lock_guard lock(write_mu_);
    model_name s = canonical(src);
    std::string src_path = manifest_path(s);
    if (src_path.empty()) {
        return make_error(errc::not_found, "model '" + src.display_short() + "' not found");
    }
    auto bytes = files::read_limited(src_path, limits_.max_manifest_bytes);
    if (!bytes) {
        if (bytes.err().code == errc::not_found) {
            return make_error(errc::not_found, "model '" + src.display_short() + "' not found");
        }
        return bytes.err();
    }
    model_name d = canonical(dst);
    std::string dst_path = manifest_path(d);
    if (dst_path.empty()) {
        return make_error(errc::invalid_request, "invalid model name");
    }
    if (dst_path == src_path) {
        return {};
    }
    if (auto st = make_dirs(manifests_dir_, {d.host, d.ns, d.model}); !st) return st;
    return files::write_atomic(dst_path, *bytes);
}

status store::remove(const model_name & name) {
    std::lock_guard lock(write_mu_);
    auto e = read_manifest(name);
    if (!e) return e.err();
    std::string path = manifest_path(e->name);
    if (::unlink(path.c_str()) != 0) {
        return files::io_error("remove " + path);
    }
    if (auto st = files::fsync_dir(fs::path(path).parent_path().string()); !st) return st;
    prune_empty_dirs(e->name);
    return remove_unreferenced(referenced_digests(e->m));
}

status store::prune_blobs(const std::vector<std::string> & digests) {
    std::lock_guard lock(write_mu_);
    return remove_unreferenced(digests);
}

result<store::pruned> store::prune_unreferenced() {
    std::lock_guard lock(write_mu_);
    pruned out;
    std::set<std::string> in_use;
    for (const auto & [name, path] : manifest_files()) {
        auto e = read_manifest_at(name, path);
        if (!e) {
            out.unreadable_manifests++;
            continue;
        }
        for (const auto & d : referenced_digests(e->m)) {
            if (auto n = parse_digest(d)) in_use.insert(*n);  // compared in one spelling
        }
    }
    if (out.unreadable_manifests > 0) return out;
    for (const auto & name : names_in(blobs_dir_, false)) {
        // Blobs only: partial downloads and their state files are no digests.
        auto d = parse_digest(name);
        if (!d || in_use.count(*d) != 0) continue;
        const std::string path = blobs_dir_ + "/" + name;
        struct stat st{};
        if (::stat(path.c_str(), &st) != 0) continue;
        if (::unlink(path.c_str()) != 0) return files::io_error("remove " + path);
        cache_->forget_blob(*d);
        out.blobs++;
        out.bytes += static_cast<uint64_t>(st.st_size);
    }
    return out;
}

status store::remove_unreferenced(const std::vector<std::string> & digests) {
    std::set<std::string> in_use;
    for (const auto & e : list_unlocked()) {
        for (auto & d : referenced_digests(e.m)) in_use.insert(std::move(d));
    }
    for (const auto & d : digests) {
        if (in_use.count(d) != 0) continue;
        auto p = blob_path(d);
        if (!p) continue;
        cache_->forget_blob(d);
        if (::unlink(p->c_str()) != 0 && errno != ENOENT) {
            return files::io_error("remove " + *p);
        }
    }
    return {};
}

void store::prune_empty_dirs(const model_name & n) {
    // model dir, namespace dir, host dir: each removed only when empty.
    const std::string dirs[] = {manifests_dir_ + "/" + n.host + "/" + n.ns + "/" + n.model,
                                manifests_dir_ + "/" + n.host + "/" + n.ns, manifests_dir_ + "/" + n.host};
    for (const auto & d : dirs) {
        if (::rmdir(d.c_str()) != 0) {
            break;
        }
    }
}

}  // namespace lokal::store
