#include "registry/registry.h"

#include "registry/download.h"
#include "store/digest.h"
#include "store/store.h"

#include <set>

namespace lokal::registry {

namespace {

constexpr std::string_view manifest_accept =
    "Accept: application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json";

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
    remote_manifest rm{std::move(*m), store::digest_of(res->body), res->body};
    if (!name.digest.empty() && rm.digest != name.digest) {
        return make_error(errc::invalid_request, "pull model manifest: digest mismatch, expected " + name.digest +
                                                     ", got " + rm.digest);
    }
    if (rm.m.config.digest.empty()) return make_error(errc::invalid_request, "pull model manifest: no config blob");
    return rm;
}

status pull_layers(store::store & st, session & s, const store::model_name & name, const remote_manifest & rm,
                   const pull_options & opts, reporter & out) {
    // Layers first and the config last, as Ollama does. Each is fetched into
    // its partial file; all are verified and named only once every one is
    // there, and the manifest is written after all of them.
    std::vector<const store::layer *> blobs;
    for (const auto & l : rm.m.layers) blobs.push_back(&l);
    blobs.push_back(&rm.m.config);
    std::vector<std::unique_ptr<store::partial_blob>> fetched;
    for (const store::layer * l : blobs) {
        if (st.has_blob(l->digest)) {
            if (!out.layer("pulling", l->digest, l->size, l->size)) return make_error(errc::canceled, "client gone");
            continue;
        }
        auto pb = download_blob(st, s, name, *l, opts, out);
        if (!pb) return pb.err();
        if (*pb) fetched.push_back(std::move(*pb));
        if (out.gone()) return make_error(errc::canceled, "client gone");
    }
    if (!out.status("verifying sha256 digest")) return make_error(errc::canceled, "client gone");
    for (auto & pb : fetched) {
        auto dest = st.blob_path(pb->digest());
        if (!dest) return dest.err();
        if (auto f = pb->finish(*dest); !f) return f;
    }
    auto stale = replaced_digests(st, name, rm.m);
    if (!out.status("writing manifest")) return make_error(errc::canceled, "client gone");
    if (auto w = st.write_manifest(name, rm.m, rm.bytes); !w) return w;
    if (!stale.empty()) {
        out.status("removing unused layers");
        if (auto p = st.prune_blobs(stale); !p) return p;
    }
    out.status("success");
    return {};
}

}  // namespace lokal::registry
