#include "registry/registry.h"

#include "registry/upload_state.h"

#include "store/store.h"

#include <filesystem>
#include <optional>

namespace lokal::registry {

namespace {

error gone() { return make_error(errc::canceled, "client gone"); }

result<bool> blob_exists(session & s, const store::model_name & name, const std::string & digest) {
    http_request req;
    req.method = "HEAD";
    req.url = blob_url(s.where(), name, digest);
    auto res = s.send(req);
    if (!res) return res.err();
    if (res->status == 200) return true;
    if (res->status == 404) return false;
    return registry_error(*res, "check blob " + short_digest(digest));
}

// Another repository on the same registry that a local model of ours uses
// the blob in (pulled from or pushed to it): the registry may mount it from
// there instead of receiving the bytes again.
std::optional<std::string> mount_source(const store::store & st, const store::model_name & name,
                                        const std::string & digest) {
    for (const auto & e : st.list()) {
        if (!store::iequals(e.name.host, name.host)) continue;
        if (store::iequals(e.name.ns, name.ns) && store::iequals(e.name.model, name.model)) continue;
        bool uses = e.m.config.digest == digest;
        for (const auto & l : e.m.layers) uses = uses || l.digest == digest;
        if (uses) return e.name.ns + "/" + e.name.model;
    }
    return std::nullopt;
}

struct upload_session {
    bool mounted = false;
    std::string location;  // where the bytes go, when not mounted
};

// POST .../blobs/uploads/, asking for a cross-repository mount when a source
// is known: 201 means mounted, 202 an upload to fill.
result<upload_session> start_upload(session & s, const store::model_name & name, const store::layer & l,
                                    const std::optional<std::string> & from) {
    http_request start;
    start.method = "POST";
    start.url = upload_start_url(s.where(), name);
    if (from) start.url = add_query(add_query(start.url, "mount", percent_encode(l.digest)), "from", percent_encode(*from));
    auto started = s.send(start);
    if (!started) return started.err();
    if (from && started->status == 201) return upload_session{true, {}};
    if (started->status != 202) return registry_error(*started, "start upload of " + short_digest(l.digest));
    auto location = resolve_location(start.url, started->header("location"));
    if (!location) return location.err();
    return upload_session{false, *location};
}

// The blob file's region [offset, offset + size) as a request body.
void attach_file(http_request & req, const std::string & path, int64_t offset, int64_t size) {
    req.headers.emplace_back("Content-Type: application/octet-stream");
    req.body_file = path;
    req.body_offset = offset;
    req.body_size = size;
}

// Chunked upload from byte `from` on: PATCH each chunk with its
// Content-Range (following the Location each answer gives, saved for a
// resume), then the caller PUTs ?digest= with no body.
result<std::string> patch_chunks(session & s, std::string location, const std::string & path, int64_t size,
                                 int64_t chunk, int64_t from, const store::layer & l, reporter & out,
                                 const upload_state & saved) {
    for (int64_t off = from; off < size; off += chunk) {
        int64_t n = std::min(chunk, size - off);
        http_request patch;
        patch.method = "PATCH";
        patch.url = location;
        attach_file(patch, path, off, n);
        patch.headers.push_back("Content-Range: " + std::to_string(off) + "-" + std::to_string(off + n - 1));
        patch.on_transfer = [&](int64_t done) { out.layer("pushing", l.digest, l.size, std::min(off + done, l.size)); };
        auto res = s.send(patch);
        if (!res) return res.err();
        if (res->status != 202) return registry_error(*res, "upload " + short_digest(l.digest));
        auto next = resolve_location(location, res->header("location"));
        if (!next) return next.err();
        location = *next;
        saved.save(location);
        if (out.gone()) return gone();
    }
    return location;
}

struct resumed {
    std::string location;
    int64_t next = 0;  // first byte the registry does not have
};

// Asks the registry where a saved upload stands (GET on its Location: 204
// with Range). Nothing to resume when it no longer knows the upload or the
// answer makes no sense for this blob.
std::optional<resumed> resume_upload(session & s, const upload_state & saved, int64_t size) {
    auto location = saved.load();
    if (!location) return std::nullopt;
    http_request req;
    req.method = "GET";
    req.url = *location;
    auto res = s.send(req);
    if (!res || res->status != 204) return std::nullopt;
    auto next = res->header("range").empty() ? std::optional<int64_t>(0) : next_offset_from_range(res->header("range"));
    if (!next || *next > size) return std::nullopt;
    auto moved = resolve_location(*location, res->header("location"));
    return resumed{moved && !res->header("location").empty() ? *moved : *location, *next};
}

// Chunked: resumes a saved upload session when the registry still has it,
// else starts one (or mounts the blob); then PATCHes the rest.
result<std::string> upload_chunked(store::store & st, session & s, const store::model_name & name,
                                   const store::layer & l, const std::string & path, int64_t size,
                                   const push_options & opts, reporter & out, const upload_state & saved) {
    auto resume = resume_upload(s, saved, size);
    if (!resume) {
        saved.clear();
        auto up = start_upload(s, name, l, mount_source(st, name, l.digest));
        if (!up) return up.err();
        if (up->mounted) return std::string();
        resume = resumed{up->location, 0};
        saved.save(up->location);
    }
    if (!out.layer("pushing", l.digest, l.size, resume->next)) return gone();  // what the registry has counts as done
    return patch_chunks(s, resume->location, path, size, opts.chunk_size, resume->next, l, out, saved);
}

status upload_blob(store::store & st, session & s, const store::model_name & name, const store::layer & l,
                   const push_options & opts, reporter & out) {
    auto path = st.blob_path(l.digest);
    if (!path) return path.err();
    std::error_code ec;
    auto file_size = std::filesystem::file_size(*path, ec);
    if (ec) return make_error(errc::internal, "cannot read blob " + l.digest + ": " + ec.message());
    auto size = static_cast<int64_t>(file_size);  // the file, not the manifest's claim: curl must send exactly it

    const upload_state saved(st.root(), s.where().base(), name, l.digest);
    http_request put;
    put.method = "PUT";
    if (size > opts.chunk_size) {
        auto location = upload_chunked(st, s, name, l, *path, size, opts, out, saved);
        if (!location) return location.err();
        if (location->empty()) return {};  // mounted
        put.url = add_query(*location, "digest", percent_encode(l.digest));
    } else {
        auto up = start_upload(s, name, l, mount_source(st, name, l.digest));
        if (!up) return up.err();
        if (up->mounted) return {};
        if (!out.layer("pushing", l.digest, l.size, 0)) return gone();
        put.url = add_query(up->location, "digest", percent_encode(l.digest));
        attach_file(put, *path, 0, size);
        put.on_transfer = [&](int64_t done) { out.layer("pushing", l.digest, l.size, std::min(done, l.size)); };
    }
    auto done = s.send(put);
    if (!done) return done.err();
    if (done->status != 201) return registry_error(*done, "upload " + short_digest(l.digest));
    saved.clear();
    return {};
}

status push_blob(store::store & st, session & s, const store::model_name & name, const store::layer & l,
                 const push_options & opts, reporter & out) {
    auto exists = blob_exists(s, name, l.digest);
    if (!exists) return exists.err();
    if (!*exists) {
        if (!st.has_blob(l.digest)) return make_error(errc::not_found, "blob " + l.digest + " is missing from the store");
        if (auto up = upload_blob(st, s, name, l, opts, out); !up) return up;
    }
    if (!out.layer("pushing", l.digest, l.size, l.size)) return gone();
    return {};
}

}  // namespace

status push_model(store::store & st, session & s, const store::model_name & name, const push_options & opts,
                  reporter & out) {
    if (!out.status("retrieving manifest")) return gone();
    auto entry = st.read_manifest(name);
    if (!entry) return entry.err();
    const store::manifest & m = entry->m;
    std::vector<const store::layer *> blobs;
    for (const auto & l : m.layers) blobs.push_back(&l);
    if (!m.config.digest.empty()) blobs.push_back(&m.config);
    for (const store::layer * l : blobs) {
        if (auto r = push_blob(st, s, name, *l, opts, out); !r) return r;
    }
    if (!out.status("pushing manifest")) return gone();
    http_request req;
    req.method = "PUT";
    req.url = manifest_url(s.where(), name, name.tag);
    req.headers.push_back("Content-Type: " + (m.media_type.empty() ? std::string(store::media_type::manifest) : m.media_type));
    req.body = store::serialize_manifest(m);
    auto res = s.send(req);
    if (!res) return res.err();
    if (res->status != 201 && res->status != 200) return registry_error(*res, "push manifest");
    out.status("success");
    return {};
}

}  // namespace lokal::registry
