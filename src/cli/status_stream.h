// Shows a streamed /api/create, /api/pull or /api/push answer as Ollama's
// CLI does: each new "status" becomes a spinner line, each "digest" with a
// total becomes a progress bar.
#pragma once

#include "client/client.h"
#include "core/result.h"

#include <string>

namespace lokal::cli {

class progress;

// verb names a bar whose status is empty ("pulling 8eeb52dfb3bb..."); with
// skip_zero, a layer's first 0-byte announcement draws no bar (as for pulls).
status stream_with_progress(client::client & c, progress & p, const std::string & path, const json & body,
                            const std::string & verb, bool skip_zero);

}  // namespace lokal::cli
