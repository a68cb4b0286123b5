// Manifest parser: any bytes give a manifest or an error; every layer digest
// of an accepted manifest is valid (the config may be absent: empty digest),
// and the manifest serialises again.
#include "store/digest.h"
#include "store/manifest.h"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t * data, size_t size) {
    std::string_view bytes(reinterpret_cast<const char *>(data), size);
    auto m = lokal::store::parse_manifest(bytes);
    if (!m) return 0;
    if (!m->config.digest.empty() && !lokal::store::parse_digest(m->config.digest)) std::abort();
    for (const auto & l : m->layers) {
        if (!lokal::store::parse_digest(l.digest) || l.size < 0) std::abort();
    }
    (void)m->total_size();
    (void)lokal::store::serialize_manifest(*m);
    return 0;
}
