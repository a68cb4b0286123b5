// What several unit tests read: the shared test models, Ollama's compat
// corpus, whole files, JSON literals.
#pragma once

#include "core/json.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace lokal::test {

inline const std::string k_models = std::string(LOKAL_SHARED_DIR) + "/models/";
inline const std::filesystem::path k_compat = std::filesystem::path(LOKAL_SHARED_DIR) / "compat" / "ollama";

inline std::string slurp(const std::filesystem::path & path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

inline json J(const std::string & text) { return json::parse(text); }

}  // namespace lokal::test
