// Ollama's Modelfile: parser and the text /api/show prints.
//
//   modelfile   := { blank | comment | instruction }
//   comment     := "#" ... end of line            (only where an instruction could start)
//   instruction := KEYWORD ws value
//                | "PARAMETER" ws key ws value     key := [A-Za-z0-9_]+
//                | "MESSAGE" ws role ws value      role := "system" | "user" | "assistant"
//   KEYWORD     := FROM | ADAPTER | TEMPLATE | SYSTEM | LICENSE | REQUIRES
//                | RENDERER | PARSER | DRAFT        (case-insensitive)
//   value       := '"""' text '"""'   may span lines; ends at the first '"""' that only
//                                     whitespace follows on its line
//                | '"' text '"'       the same with a single quote character
//                | bare               the rest of the line, trimmed
//
// No escapes: quotes only delimit (as in Ollama). CRLF is read as LF. A
// Modelfile needs a FROM line. Errors say "(line N): ...".
#pragma once

#include "core/json.h"
#include "core/result.h"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lokal::store {

struct modelfile_command {
    // "model" for FROM (as Ollama names it), else the lowercased keyword
    // ("adapter", "template", "system", "license", "message", "requires",
    // "renderer", "parser", "draft"), or the key as written for PARAMETER.
    std::string name;
    std::string args;          // the value (a message's content)
    std::string role;          // MESSAGE only
    bool is_parameter = false;
    int line = 0;              // where the instruction starts
};

struct modelfile {
    std::vector<modelfile_command> commands;

    // PARAMETER key/value pairs in file order (for api::params_to_json).
    std::vector<std::pair<std::string, std::string>> parameters() const;
};

struct modelfile_limits {
    size_t max_bytes = 4u << 20;
    size_t max_commands = 10000;
};

result<modelfile> parse_modelfile(std::string_view text, const modelfile_limits & limits = {});

// What /api/show's "modelfile" is made of.
struct modelfile_view {
    std::string short_name;                 // "# FROM <short_name>" in the header
    std::string model_path;
    std::vector<std::string> adapter_paths;
    std::string projector_path;
    std::string draft_path;
    // The TEMPLATE layer. Ollama prints its default "{{ .Prompt }}" for a
    // model without one; we leave the line out, because such a model uses
    // its GGUF chat template and a TEMPLATE line would replace it on re-create.
    std::string template_text;
    std::string system;
    std::string renderer;
    std::string parser;
    json params = json::object();           // the params layer
    std::vector<std::string> license;
    json messages = json::array();          // [{role, content}]
};

// The Modelfile text Ollama's /api/show returns for a model.
std::string render_modelfile(const modelfile_view & v);

// /api/show's "parameters": one "key<pad to 30> value" line per value (Go %#v
// formatting), keys sorted, arrays one line per element.
std::string format_parameters(const json & params);

// How Ollama writes a Modelfile value: bare, "..." or """...""".
std::string quote_modelfile_value(std::string_view s);

}  // namespace lokal::store
