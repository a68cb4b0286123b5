// A GGUF (v2/v3) metadata reader for untrusted files: header, every
// key/value pair and the tensor infos, with checked arithmetic and hard caps,
// and without reading tensor data. Large arrays (a tokenizer's vocabulary)
// are skipped and summarised unless asked for. Non-GGUF input is refused as
// "not a GGUF file", short input as "truncated GGUF file: ...".
//
// This reader is for the store and /api/show; the engine loads models with
// llama.cpp itself.
#pragma once

#include "core/json.h"
#include "core/result.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lokal::store::gguf {

enum class value_type : uint32_t {
    u8 = 0, i8 = 1, u16 = 2, i16 = 3, u32 = 4, i32 = 5, f32 = 6, boolean = 7,
    string = 8, array = 9, u64 = 10, i64 = 11, f64 = 12,
};

struct kv {
    std::string key;
    value_type type = value_type::u8;
    // Scalars as JSON. Arrays: the elements when materialised, else null.
    json value;
    value_type element_type = value_type::u8;  // arrays only
    uint64_t count = 0;                          // arrays only
    bool materialised = true;                    // arrays only
    // Where the encoded pair (key, type, value) lies in the file, so a
    // writer can copy it unchanged (merging split files).
    uint64_t raw_offset = 0;
    uint64_t raw_size = 0;

    bool is_array() const { return type == value_type::array; }
};

struct tensor_info {
    std::string name;
    std::vector<uint64_t> shape;
    uint32_t type = 0;      // ggml_type
    uint64_t offset = 0;    // relative to the data section
    uint64_t elements = 0;
    uint64_t bytes = 0;
};

struct limits {
    uint64_t max_kv = 1u << 16;
    uint64_t max_tensors = 1u << 20;
    uint64_t max_string = 16u << 20;            // bytes, as Ollama
    uint64_t max_array = 64u << 20;             // elements, as Ollama
    uint64_t max_metadata_bytes = 1ull << 30;   // header + KVs + tensor infos
    // Arrays up to this many elements are materialised; longer ones are
    // skipped (count and type kept). UINT64_MAX: all of them (verbose show).
    uint64_t materialise_array = 64;
};

struct file {
    uint32_t version = 0;
    uint64_t file_size = 0;
    uint64_t alignment = 32;
    uint64_t data_offset = 0;   // start of tensor data
    std::vector<kv> kvs;        // in file order
    std::vector<tensor_info> tensors;

    const kv * find(std::string_view key) const;
    std::string get_string(std::string_view key, std::string_view fallback = {}) const;
    std::optional<uint64_t> get_uint(std::string_view key) const;

    // general.architecture ("unknown" when absent, as Ollama).
    std::string architecture() const;
    // Sum of tensor elements; general.parameter_count when there are no tensors.
    uint64_t parameter_count() const;
    // general.file_type as Ollama names it ("F32", "Q4_K_M", ...; "unknown").
    std::string file_type() const;
    std::optional<uint64_t> context_length() const;   // <arch>.context_length
    std::string chat_template() const;                // tokenizer.chat_template
    bool has_pooling() const;                         // <arch>.pooling_type: an embedding model
    bool is_projector() const;                        // architecture "clip" or general.type projector/mmproj
    bool is_adapter() const;                          // general.type "adapter"

    // Ollama's /api/show "model_info": every KV by key (sorted), without
    // general.name and tokenizer.chat_template, general.parameter_count set
    // to parameter_count(); arrays shown as null unless verbose (empty
    // arrays as []), so read with materialise_array = UINT64_MAX for verbose.
    json model_info(bool verbose) const;
    // Ollama's "tensors": [{name, type, shape}].
    json tensors_json() const;
};

// Reads the metadata of the GGUF file at path.
result<file> read_file(const std::string & path, const limits & lim = {});
// Same, for bytes in memory (tests, fuzzing).
result<file> read_bytes(std::string_view data, const limits & lim = {});

// The pre-validator run before llama.cpp opens a file (at upload, create and
// load): the whole structure is parsed with the checks above (caps on counts,
// string and array lengths; checked arithmetic; every tensor aligned, inside
// the file and not overlapping another; names ggml can hold). The reason is
// in the message, never the path.
status validate_file(const std::string & path);
// Same, only when the file starts with the GGUF magic (blobs may be anything).
status validate_if_gguf(const std::string & path);

// True when data starts with the GGUF magic.
bool has_magic(std::string_view first_bytes);

// Ollama's name for a llama_ftype value ("F32", "Q4_K_M", ...; "unknown").
std::string file_type_name(uint64_t ftype);
// ggml's name for a tensor type ("F32", "Q4_K", ...; "unknown").
std::string tensor_type_name(uint32_t type);

}  // namespace lokal::store::gguf
