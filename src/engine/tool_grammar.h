// Grammars that force a tool call in a model's own markup where the Go
// template path cannot express it as a JSON schema plus a prefix: gpt-oss's
// harmony messages. Public to handlers/ (no llama.cpp types here).
#pragma once

#include "core/json.h"
#include "core/result.h"

#include <string>

namespace lokal::engine {

struct harmony_call_options {
    // OpenAI-shaped tools under the names the model sees; the call must name
    // one of them (a named tool_choice passes only that one).
    json tools;
    // The model may think first: one analysis message before the call.
    bool allow_analysis = true;
    // The prompt ends inside an open message (a prefilled assistant turn):
    // its rest comes first, ended by <|end|>.
    bool continues_message = false;
};

// GBNF for the output after a prompt that ends with "<|start|>assistant":
//   [<|channel|>analysis<|message|>…<|end|><|start|>assistant]
//   <|channel|>commentary to=functions.NAME <|constrain|>json<|message|>{args}
// with the arguments constrained by the tool's parameters schema (any JSON
// object when it has none). <|call|> ends the output as an end-of-generation
// token, so the grammar stops before it. A bad schema is invalid_request.
result<std::string> harmony_call_grammar(const harmony_call_options & opts);

}  // namespace lokal::engine
