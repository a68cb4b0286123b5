// Pull and push of models with any OCI distribution registry (Docker
// Registry HTTP API v2), in the steps and with the progress objects of
// Ollama's /api/pull and /api/push.
//
// Pull: the manifest is fetched and checked first (fetch_manifest, before a
// handler starts streaming, so that an unknown model is a plain 404); then
// every layer missing from the store and the config blob are streamed into
// it through a partial file (download.h: resumable, ranged, parallel), each
// verified against its sha256 before it gets its name (a wrong or truncated
// blob is refused and nothing of it is kept); the manifest is written last.
//
// Push: every layer and the config is checked with HEAD; a missing one is
// mounted from another repository of the same registry when a local model
// from there uses it (POST ?mount=&from=), otherwise uploaded: in one PUT
// when it is at most chunk_size bytes, else in PATCH chunks with
// Content-Range, then a PUT ?digest=; an interrupted chunked upload resumes
// from what the registry has (upload_state.h). The manifest is PUT last.
#pragma once

#include "registry/download.h"
#include "registry/progress.h"
#include "registry/session.h"
#include "store/manifest.h"
#include "store/name.h"

#include <string>

namespace lokal::store {
class store;
}

namespace lokal::registry {

struct remote_manifest {
    store::manifest m;
    std::string digest;  // "sha256:..." of the bytes the registry sent
    std::string bytes;   // those bytes, stored as they are
};

// GET the manifest for name (by tag, or by digest when the name has one, in
// which case the bytes must hash to it). not_found when the registry has no
// such model.
result<remote_manifest> fetch_manifest(session & s, const store::model_name & name);

// Downloads what the store lacks and writes the manifest, reporting from
// "pulling <digest>" on ("pulling manifest" is the caller's, who fetched it).
status pull_layers(store::store & st, session & s, const store::model_name & name, const remote_manifest & rm,
                   const pull_options & opts, reporter & out);

struct push_options {
    int64_t chunk_size = 64ll << 20;  // larger blobs go up in PATCH chunks of this size
};

// Pushes a local model, reporting from "retrieving manifest" to "success".
status push_model(store::store & st, session & s, const store::model_name & name, const push_options & opts,
                  reporter & out);

}  // namespace lokal::registry
