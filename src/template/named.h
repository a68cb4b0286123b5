// Ollama's named templates (template.Named): when `create` imports a GGUF
// whose tokenizer.chat_template is close to a Jinja template Ollama knows,
// the model gets that template's Go form (and its stop parameters), as if
// the Modelfile had said TEMPLATE. The table is generated at build time from
// Ollama's templates (scripts/embed-templates.py); this is the matcher.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

namespace lokal::tmpl {

struct named_template {
    std::string_view name;         // "chatml"
    std::string_view jinja;        // the Jinja chat template it stands for
    std::string_view go_template;  // its Go form (line endings normalised)
    std::string_view params;       // {"stop":[...]} as JSON, or empty
};

// The embedded table, in Ollama's index order (generated source).
std::span<const named_template> named_templates();

// Ollama's rule: the entry with the smallest Levenshtein distance (over
// Unicode code points) to the GGUF's template, the first one on a tie, if
// that distance is under 100; otherwise none.
const named_template * match_named(std::string_view jinja, std::span<const named_template> table);
inline const named_template * match_named(std::string_view jinja) { return match_named(jinja, named_templates()); }

// The edit distance of a and b (code points) when it is below `bound`;
// `bound` itself otherwise (rows are cut to the diagonal band that can still
// stay below it, so a long template costs O(length * bound)).
std::size_t edit_distance_below(std::u32string_view a, std::u32string_view b, std::size_t bound);

}  // namespace lokal::tmpl
