// Split GGUF files (llama.cpp's gguf-split layout: "<name>-00001-of-00003.gguf",
// each with split.no / split.count, the first with split.tensors.count and
// all the model's metadata) merged into one GGUF.
//
// lokal merges at create time instead of storing one model layer per split:
// a manifest then has exactly one model layer, as every Ollama manifest has,
// so Ollama can read what lokal writes, /api/show reads one file, pushes and
// pulls move one model blob, and llama.cpp loads it as any other model.
#pragma once

#include "core/result.h"
#include "store/files.h"
#include "store/gguf.h"

#include <string>
#include <vector>

namespace lokal::store::gguf {

// True when f is one part of a split model (split.count > 1).
bool is_split(const file & f);

// Checks that parts (parsed metadata, any order) form one complete split
// model and returns their indices in split.no order. invalid_request names
// what is wrong: a missing or repeated part, parts of different models.
result<std::vector<size_t>> order_splits(const std::vector<const file *> & parts);

// The metadata the merged file will have: the first part's keys without
// split.*, and the tensors of every part (offsets as in the merged file).
file merged_metadata(const std::vector<const file *> & ordered);

// Writes the merged GGUF of the parts (paths and their metadata, both in
// split.no order) into out, which the caller hashes and commits.
status write_merged(const std::vector<std::string> & paths, const std::vector<const file *> & ordered,
                    files::temp_file & out);

}  // namespace lokal::store::gguf
