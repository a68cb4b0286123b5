// Which of Ollama's capabilities a model has: "completion" or "embedding",
// then "tools", "insert", "thinking", "vision", "audio" as its metadata,
// template and layers show. /api/show lists them; the inference handlers
// check them ("does not support chat", "does not support embeddings").
#pragma once

#include "store/gguf.h"
#include "store/store.h"

#include <string>
#include <vector>

namespace lokal::store {

// model_gguf: the model layer's metadata (nullptr when it could not be read).
std::vector<std::string> model_capabilities(const model_record & rec, const gguf::file * model_gguf);

// Ollama's heuristics on a Jinja chat template's source: adds "tools" and
// "thinking" where they apply.
void jinja_capabilities(std::vector<std::string> & caps, const std::string & chat_template);

// Ollama's shouldUseHarmony: a gpt-oss model whose Go template writes
// harmony's message tags is prompted and parsed as harmony (chat/harmony.h),
// which gives it "tools" and "thinking" whatever its template reads.
bool uses_harmony(const std::string & model_family, const std::string & go_template);

}  // namespace lokal::store
