#include "registry/registry.h"

#include "store/store.h"

#include <filesystem>

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

// Monolithic upload: POST starts it, one PUT with the whole blob ends it.
status upload_blob(store::store & st, session & s, const store::model_name & name, const store::layer & l,
                   reporter & out) {
    auto path = st.blob_path(l.digest);
    if (!path) return path.err();
    http_request start;
    start.method = "POST";
    start.url = upload_start_url(s.where(), name);
    auto started = s.send(start);
    if (!started) return started.err();
    if (started->status != 202) return registry_error(*started, "start upload of " + short_digest(l.digest));
    auto location = resolve_location(start.url, started->header("location"));
    if (!location) return location.err();

    http_request put;
    put.method = "PUT";
    put.url = add_query(*location, "digest", percent_encode(l.digest));
    put.headers.emplace_back("Content-Type: application/octet-stream");
    std::error_code ec;
    auto size = std::filesystem::file_size(*path, ec);
    if (ec) return make_error(errc::internal, "cannot read blob " + l.digest + ": " + ec.message());
    put.body_file = *path;
    put.body_size = static_cast<int64_t>(size);  // the file, not the manifest's claim: curl must send exactly it
    put.on_transfer = [&](int64_t done) { out.layer("pushing", l.digest, l.size, std::min(done, l.size)); };
    auto done = s.send(put);
    if (!done) return done.err();
    if (done->status != 201) return registry_error(*done, "upload " + short_digest(l.digest));
    return {};
}

status push_blob(store::store & st, session & s, const store::model_name & name, const store::layer & l,
                 reporter & out) {
    auto exists = blob_exists(s, name, l.digest);
    if (!exists) return exists.err();
    if (!*exists) {
        if (!st.has_blob(l.digest)) return make_error(errc::not_found, "blob " + l.digest + " is missing from the store");
        if (!out.layer("pushing", l.digest, l.size, 0)) return gone();
        if (auto up = upload_blob(st, s, name, l, out); !up) return up;
    }
    if (!out.layer("pushing", l.digest, l.size, l.size)) return gone();
    return {};
}

}  // namespace

status push_model(store::store & st, session & s, const store::model_name & name, reporter & out) {
    if (!out.status("retrieving manifest")) return gone();
    auto entry = st.read_manifest(name);
    if (!entry) return entry.err();
    const store::manifest & m = entry->m;
    std::vector<const store::layer *> blobs;
    for (const auto & l : m.layers) blobs.push_back(&l);
    if (!m.config.digest.empty()) blobs.push_back(&m.config);
    for (const store::layer * l : blobs) {
        if (auto r = push_blob(st, s, name, *l, out); !r) return r;
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
