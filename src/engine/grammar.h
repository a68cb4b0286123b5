// The grammar a completion is constrained by: a request's raw GBNF, or
// Ollama's format (JSON schema) as GBNF, optionally only after the end of a
// thinking block (lazy, triggered by the tag), or a chat template's
// tool-call grammar. Internal to engine/.
#pragma once

#include "engine/runner.h"

#include <llama.h>

#include <string>
#include <vector>

namespace lokal::engine {

// What a task is constrained by, built on the caller's thread so that bad
// input fails the request instead of the inference thread.
struct grammar_spec {
    std::string text;                   // GBNF, empty for free text
    bool user = false;                  // a request's raw grammar (not prefilled)
    bool lazy = false;
    std::vector<std::string> triggers;  // regexes
};

// Builds and checks the grammar of a request: invalid input is an
// invalid_request error here, never an exception on the inference thread.
result<grammar_spec> grammar_for(const completion_request & req, const llama_vocab * vocab);

}  // namespace lokal::engine
