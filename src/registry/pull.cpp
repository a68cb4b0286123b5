#include "registry/registry.h"

#include "store/digest.h"
#include "store/store.h"

#include <chrono>
#include <set>
#include <thread>

namespace lokal::registry {

namespace {

constexpr std::string_view manifest_accept =
    "Accept: application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json";

// Streams one blob into the store, verified against its digest and size.
status download_once(store::store & st, session & s, const store::model_name & name, const store::layer & l,
                     reporter & out) {
    http_request req;
    req.url = blob_url(s.where(), name, l.digest);
    req.on_transfer = [&](int64_t done) { out.layer("pulling", l.digest, l.size, std::min(done, l.size)); };
    std::optional<error> failure;  // why the transfer stopped, when it was not the store's doing
    store::blob_reader reader = [&](const store::blob_sink & sink) {
        req.sink = sink;
        auto res = s.send(req);
        if (!res) {
            failure = res.err();
            return false;
        }
        if (res->status != 200) {
            failure = registry_error(*res, "pull blob " + short_digest(l.digest));
            return false;
        }
        return true;
    };
    auto put = st.put_blob_from_reader(l.digest, reader, l.size);
    if (!put) {
        if (failure && put.err().code == errc::canceled) return *failure;
        return put.err();
    }
    out.layer("pulling", l.digest, l.size, l.size);
    return {};
}

// A dropped connection or a busy registry (errc::unavailable) is tried again
// from the start, a few times; a wrong blob or a refusal is final.
status download_blob(store::store & st, session & s, const store::model_name & name, const store::layer & l,
                     reporter & out) {
    constexpr int attempts = 3;
    for (int attempt = 1;; ++attempt) {
        auto r = download_once(st, s, name, l, out);
        if (r || r.err().code != errc::unavailable || attempt == attempts) return r;
        for (int waited = 0; waited < attempt * 10; ++waited) {  // attempt seconds, watching for a cancel
            if (out.gone() || (s.cancel() && s.cancel()())) return make_error(errc::canceled, "client gone");
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    }
}

// Digests the old manifest of name used that the new one does not.
std::vector<std::string> replaced_digests(const store::store & st, const store::model_name & name,
                                          const store::manifest & fresh) {
    auto old = st.read_manifest(name);
    if (!old) return {};
    std::set<std::string> keep{fresh.config.digest};
    for (const auto & l : fresh.layers) keep.insert(l.digest);
    std::vector<std::string> out;
    if (!old->m.config.digest.empty() && !keep.count(old->m.config.digest)) out.push_back(old->m.config.digest);
    for (const auto & l : old->m.layers) {
        if (!keep.count(l.digest)) out.push_back(l.digest);
    }
    return out;
}

}  // namespace

result<remote_manifest> fetch_manifest(session & s, const store::model_name & name) {
    std::string reference = name.digest.empty() ? name.tag : name.digest;
    http_request req;
    req.url = manifest_url(s.where(), name, reference);
    req.headers.emplace_back(manifest_accept);
    store::manifest_limits limits;
    req.max_collected = limits.max_bytes;
    auto res = s.send(req);
    if (!res) return make_error(res.err().code, "pull model manifest: " + res.err().message);
    if (res->status == 404) return make_error(errc::not_found, "pull model manifest: file does not exist");
    if (res->status != 200) return registry_error(*res, "pull model manifest");
    auto m = store::parse_manifest(res->body, limits);
    if (!m) return make_error(errc::invalid_request, "pull model manifest: " + m.err().message);
    remote_manifest rm{std::move(*m), store::digest_of(res->body)};
    if (!name.digest.empty() && rm.digest != name.digest) {
        return make_error(errc::invalid_request, "pull model manifest: digest mismatch, expected " + name.digest +
                                                     ", got " + rm.digest);
    }
    if (rm.m.config.digest.empty()) return make_error(errc::invalid_request, "pull model manifest: no config blob");
    return rm;
}

status pull_layers(store::store & st, session & s, const store::model_name & name, const remote_manifest & rm,
                   reporter & out) {
    // Layers first and the config last, as Ollama does; the manifest after all of them.
    std::vector<const store::layer *> blobs;
    for (const auto & l : rm.m.layers) blobs.push_back(&l);
    blobs.push_back(&rm.m.config);
    for (const store::layer * l : blobs) {
        if (st.has_blob(l->digest)) {
            if (!out.layer("pulling", l->digest, l->size, l->size)) return make_error(errc::canceled, "client gone");
            continue;
        }
        if (!out.layer("pulling", l->digest, l->size, 0)) return make_error(errc::canceled, "client gone");
        if (auto r = download_blob(st, s, name, *l, out); !r) return r;
        if (out.gone()) return make_error(errc::canceled, "client gone");
    }
    // Every blob was verified while it streamed in; the status is kept for clients that expect it.
    if (!out.status("verifying sha256 digest")) return make_error(errc::canceled, "client gone");
    auto stale = replaced_digests(st, name, rm.m);
    if (!out.status("writing manifest")) return make_error(errc::canceled, "client gone");
    if (auto w = st.write_manifest(name, rm.m); !w) return w;
    if (!stale.empty()) {
        out.status("removing unused layers");
        if (auto p = st.prune_blobs(stale); !p) return p;
    }
    out.status("success");
    return {};
}

}  // namespace lokal::registry
