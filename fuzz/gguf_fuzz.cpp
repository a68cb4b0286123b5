// GGUF pre-validator and metadata reader: any bytes must give a file or an
// error, and an accepted file's tensors must lie inside it.
#include "store/gguf.h"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t * data, size_t size) {
    std::string_view bytes(reinterpret_cast<const char *>(data), size);
    lokal::store::gguf::limits lim;
    lim.max_metadata_bytes = 1u << 20;
    auto f = lokal::store::gguf::read_bytes(bytes, lim);
    if (!f) return 0;
    for (const auto & t : f->tensors) {
        if (f->data_offset + t.offset + t.bytes > size) std::abort();  // the validator let a tensor escape
    }
    (void)f->model_info(true).dump();
    (void)f->tensors_json().dump();
    (void)f->file_type();
    (void)f->parameter_count();
    return 0;
}
