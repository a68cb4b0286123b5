#include "engine/tool_grammar.h"

#include <json-schema-to-grammar.h>
#include <json-schema.h>
#include <json.h>

#include <cstdio>
#include <set>
#include <vector>

namespace lokal::engine {

namespace {

constexpr const char * k_end = "<|end|>";

// A GBNF character as \xHH (delimiters here are ASCII).
std::string hex_char(char c) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\x%02X", static_cast<unsigned char>(c));
    return buf;
}

// Rules matching any text that does not contain `delim` (ASCII), as the
// automaton that tracks how much of it the text ends with (KMP): state k has
// seen k of its characters; reaching all of them has no rule. Returns the
// start rule's name.
std::string excluding(const common_grammar_builder & b, const std::string & name, const std::string & delim) {
    const size_t n = delim.size();
    std::vector<size_t> fail(n + 1, 0);
    for (size_t i = 1, k = 0; i < n; ++i) {
        while (k > 0 && delim[i] != delim[k]) k = fail[k];
        if (delim[i] == delim[k]) ++k;
        fail[i + 1] = k;
    }
    auto next = [&](size_t k, char c) {
        while (k > 0 && (k == n || delim[k] != c)) k = fail[k];
        return delim[k] == c ? k + 1 : 0;
    };
    const std::set<char> chars(delim.begin(), delim.end());
    std::string others = "[^";
    for (char c : chars) others += hex_char(c);
    others += "]";
    auto state = [&](size_t k) { return name + "-" + std::to_string(k); };
    for (size_t k = 0; k < n; ++k) {
        std::string alts = others + " " + state(0);
        for (char c : chars) {
            size_t to = next(k, c);
            if (to < n) alts += " | " + gbnf_format_literal(std::string(1, c)) + " " + state(to);
        }
        b.add_rule(state(k), "( " + alts + " )?");
    }
    return state(0);
}

common_chat_schema_document schema_doc(const json & schema) {
    return common_chat_schema_from_json(common_json::parse(schema.dump()));
}

// commentary to=functions.NAME <|constrain|>json<|message|>{args}, one
// alternative per tool.
std::string calls(const common_grammar_builder & b, const json & tools,
                  std::vector<common_chat_schema_document> & docs) {
    std::string alts;
    for (const auto & t : tools) {
        const json & fn = t.at("function");
        const std::string name = fn.at("name").get<std::string>();
        json params = fn.contains("parameters") && fn["parameters"].is_object() ? fn["parameters"]
                                                                                 : json{{"type", "object"}};
        docs.push_back(schema_doc(params));
        std::string args = b.add_schema("args-" + std::to_string(docs.size()), *docs.back().root);
        if (!alts.empty()) alts += " | ";
        alts += gbnf_format_literal(name + " <|constrain|>json<|message|>") + " " + args;
    }
    return b.add_rule("call", gbnf_format_literal("<|channel|>commentary to=functions.") + " ( " + alts + " )");
}

}  // namespace

result<std::string> harmony_call_grammar(const harmony_call_options & opts) {
    if (!opts.tools.is_array() || opts.tools.empty()) return make_error(errc::invalid_request, "no tools to call");
    for (const auto & t : opts.tools) {
        if (!t.is_object() || !t.contains("function") || !t["function"].is_object() ||
            !t["function"].contains("name") || !t["function"]["name"].is_string()) {
            return make_error(errc::invalid_request, "every tool needs a function with a name");
        }
    }
    try {
        std::vector<common_chat_schema_document> docs;  // the builder keeps references into them
        docs.reserve(opts.tools.size());
        return build_grammar([&](const common_grammar_builder & b) {
            const std::string next = gbnf_format_literal(std::string(k_end) + "<|start|>assistant");
            std::string text = excluding(b, "text", k_end);
            std::string root;
            if (opts.continues_message) root += text + " " + next + " ";
            if (opts.allow_analysis) {
                root += "( " + gbnf_format_literal("<|channel|>analysis<|message|>") + " " + text + " " + next + " )? ";
            }
            b.add_rule("root", root + calls(b, opts.tools, docs));
        });
    } catch (const std::exception & e) {
        return make_error(errc::invalid_request, std::string("invalid tool parameters schema: ") + e.what());
    }
}

}  // namespace lokal::engine
