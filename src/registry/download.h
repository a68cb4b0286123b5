// Downloads one blob into its partial file (store/partial.h): resumed from
// what an earlier attempt left, in several byte ranges at once when the blob
// is large, as Ollama's downloader does.
//
// - Parts: a blob is split into at most max_parts ranges of at least
//   min_part_size bytes; each is one GET with `Range: bytes=a-b` (answered
//   206 with a matching Content-Range), all running concurrently. A fresh
//   single-part download asks for the whole blob without Range.
// - A server that ignores Range (200 to a ranged GET) makes the download
//   start over cleanly as one plain GET.
// - A dropped connection or a busy registry (unavailable) is retried from
//   where the part stopped; a part gives up after 5 failures in a row that
//   made no progress. Bytes already on disk are kept for the next pull.
// - More bytes than the manifest declares, or an answer that ends short of
//   it, is a wrong blob: the partial is deleted, the error final.
// - Progress: "pulling <digest>" with total and completed (resumed bytes
//   included), at most every 100 ms, from the calling thread only.
#pragma once

#include "registry/progress.h"
#include "registry/session.h"
#include "store/manifest.h"
#include "store/partial.h"

#include <memory>

namespace lokal::store {
class store;
}

namespace lokal::registry {

struct pull_options {
    int max_parts = 8;                    // concurrent ranged requests per blob
    int64_t min_part_size = 100ll << 20;  // a blob is split only into parts this large
};

// The complete (unverified) partial of l, or nullptr when the blob turned
// up in the store meanwhile (another pull of it finished).
result<std::unique_ptr<store::partial_blob>> download_blob(store::store & st, session & s,
                                                           const store::model_name & name, const store::layer & l,
                                                           const pull_options & opts, reporter & out);

}  // namespace lokal::registry
