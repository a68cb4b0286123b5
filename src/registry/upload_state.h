// Where an unfinished chunked blob upload stands, kept on disk so that a
// push interrupted by a network failure, a client that left or a killed
// process resumes instead of sending the whole blob again.
//
// One small file per (registry, repository, digest) under <models>/uploads/
// holds the upload's last Location. On the next push the registry is asked
// where that upload stands (GET on the Location: 204 with "Range: 0-<last
// byte>", as the OCI distribution spec says); an upload it no longer knows
// starts over; state older than a week is swept. The directory is lokal's
// own: Ollama reads only blobs/ and manifests/.
#pragma once

#include "core/result.h"
#include "store/name.h"

#include <optional>
#include <string>

namespace lokal::registry {

class upload_state {
public:
    // root: the models dir; registry: "scheme://host[:port]".
    upload_state(const std::string & root, const std::string & registry, const store::model_name & name,
                 const std::string & digest);

    // The saved Location, when one was saved for the same registry origin.
    std::optional<std::string> load() const;
    // Atomically replaces the saved Location (best effort: a failure only
    // costs the resume).
    void save(const std::string & location) const;
    void clear() const;

private:
    std::string dir_;
    std::string path_;
    std::string registry_;
};

// "0-1023" (the Range header of an upload's status) -> 1024, the next byte
// to send; nullopt for anything else.
std::optional<int64_t> next_offset_from_range(const std::string & range);

}  // namespace lokal::registry
