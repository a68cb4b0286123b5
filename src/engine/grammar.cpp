#include "engine/grammar.h"

#include <common.h>
#include <json-schema-to-grammar.h>
#include <json-schema.h>
#include <json.h>

#include <regex>

namespace lokal::engine {

namespace {

// The JSON-schema grammar of Ollama's format: "json" or a schema object.
result<common_chat_schema_document> schema_for_format(const json & format) {
    json schema;
    if (format.is_string()) {
        if (format.get<std::string>() != "json") {
            return make_error(errc::invalid_request, "invalid format: \"" + format.get<std::string>() +
                                                         "\"; expected \"json\" or a JSON schema");
        }
        schema = json{{"type", "object"}};
    } else if (format.is_object()) {
        schema = format;
    } else {
        return make_error(errc::invalid_request, "invalid format: expected \"json\" or a JSON schema object");
    }
    try {
        return common_chat_schema_from_json(common_json::parse(schema.dump()));
    } catch (const std::exception & e) {
        return make_error(errc::invalid_request, std::string("invalid JSON schema in format: ") + e.what());
    }
}

}  // namespace

result<grammar_spec> grammar_for(const completion_request & req, const llama_vocab * vocab) {
    grammar_spec g;
    g.lazy = req.grammar_lazy;
    g.triggers = req.grammar_triggers;
    if (!req.grammar.empty()) {
        g.text = req.grammar;
        g.user = true;
    } else if (!req.format.is_null()) {
        auto doc = schema_for_format(req.format);
        if (!doc) return doc.err();
        try {
            if (req.format_after.empty() && req.format_prefix.empty()) {
                g.text = json_schema_to_grammar(*doc);
            } else {
                // root ::= [end of thinking] [prefix] json: with thinking,
                // the grammar waits for the tag (lazy) and starts there.
                g.text = build_grammar([&](const common_grammar_builder & b) {
                    std::string body = b.add_schema("format", *doc->root);
                    std::string rule;
                    if (!req.format_after.empty()) rule += gbnf_format_literal(req.format_after) + " [ \\t\\n]{0,2} ";
                    if (!req.format_prefix.empty()) rule += gbnf_format_literal(req.format_prefix) + " [ \\t\\n]{0,2} ";
                    b.add_rule("root", rule + body);
                });
                if (!req.format_after.empty()) {
                    g.lazy = true;
                    g.triggers = {regex_escape(req.format_after)};
                }
            }
        } catch (const std::exception & e) {
            return make_error(errc::invalid_request, std::string("invalid JSON schema in format: ") + e.what());
        }
    }
    if (g.text.empty()) return g;
    // Parse it once here: llama.cpp reports a bad grammar as a null sampler.
    llama_sampler * probe = llama_sampler_init_grammar(vocab, g.text.c_str(), "root");
    if (!probe) {
        return make_error(errc::invalid_request, g.user ? "invalid grammar: llama.cpp could not parse the GBNF (it needs a \"root\" rule)"
                                                        : "invalid format: the grammar built from it does not parse");
    }
    llama_sampler_free(probe);
    for (const auto & t : g.triggers) {
        try {
            std::regex check(t);
        } catch (const std::regex_error &) {
            return make_error(errc::internal, "the chat template's grammar trigger is not a valid regex");
        }
    }
    return g;
}

}  // namespace lokal::engine
