// Model names and digests, the strings that become paths: an accepted name
// or digest never yields "..", a slash where none belongs, or an empty part.
#include "store/digest.h"
#include "store/name.h"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t * data, size_t size) {
    std::string_view text(reinterpret_cast<const char *>(data), size);
    if (auto d = lokal::store::parse_digest(text)) {
        if (d->find('/') != std::string::npos || d->find("..") != std::string::npos) std::abort();
    }
    if (auto n = lokal::store::parse_model_name(text)) {
        for (const std::string & part : {n->host, n->ns, n->model, n->tag}) {
            if (part.empty() || part == "." || part == ".." || part.find('/') != std::string::npos) std::abort();
        }
        (void)n->display_short();
    }
    return 0;
}
