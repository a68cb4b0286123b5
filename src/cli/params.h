// Model parameters as typed JSON values. Ollama's CLI types every
// "PARAMETER name value" (Modelfile) and "/set parameter name value" (REPL)
// on the client, so the server gets numbers as numbers and `stop` as a list.
#pragma once

#include "core/json.h"
#include "core/result.h"

#include <string>
#include <vector>

namespace lokal::cli {

// The typed value for a parameter: an integer, a float, a bool, or (for
// "stop") the list of strings given. Unknown names and bad values are
// errors worded as Ollama's ("unknown parameter 'x'", "invalid float value [abc]").
result<json> typed_parameter(const std::string & name, const std::vector<std::string> & values);

// Parameters Ollama still parses but ignores, with a warning.
bool is_deprecated_parameter(const std::string & name);

}  // namespace lokal::cli
