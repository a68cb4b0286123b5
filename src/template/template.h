// A Go text/template engine that renders Ollama's prompt templates byte for
// byte as Ollama does. Templates are untrusted input: parsing and execution
// are bounded (see limits) and errors come back as values.
#pragma once

#include "core/json.h"
#include "core/result.h"

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace lokal::tmpl {

namespace ast {
struct tree_set;
struct list;
}  // namespace ast

struct go_type;

// Bounds for one execution. Exceeding one fails the render with
// errc::invalid_request and a message naming the limit.
struct limits {
    // Nodes evaluated, range iterations and produced bytes (one step per 64).
    std::size_t max_steps = 5'000'000;
    // Nesting of control structures, parenthesised pipelines and template
    // calls active at once.
    std::size_t max_depth = 256;
    // Bytes written, and the size of any one string a function builds.
    std::size_t max_output_bytes = 16u << 20;
};

// A parsed template (the main tree plus its {{define}}s). Immutable: one
// parsed template may be rendered by many threads at once.
class parsed_template {
public:
    explicit parsed_template(std::unique_ptr<ast::tree_set> trees);
    ~parsed_template();
    parsed_template(const parsed_template &) = delete;
    parsed_template & operator=(const parsed_template &) = delete;

    const ast::tree_set & trees() const { return *trees_; }
    const std::string & source() const;

private:
    std::unique_ptr<ast::tree_set> trees_;
};

using template_ptr = std::shared_ptr<const parsed_template>;

// Parses Go template text with Ollama's functions in scope. Errors read as
// Go's do: "template: :3: unexpected EOF".
result<template_ptr> parse(std::string_view text);

// Executes with Ollama's options (missingkey=zero). JSON data behaves as Go's
// decoded JSON held in interface{} values, except that integers are ints.
result<std::string> render(const parsed_template & t, const json & data, const limits & lim = {});

// Execution switches for the Ollama data model (ollama.h). Plain render()
// uses the defaults.
struct exec_options {
    const go_type * data_type = nullptr;  // the Go type of the data; null: untyped JSON
    bool missingkey_zero = true;          // Go's missingkey=zero (else: "invalid")
    bool ollama_funcs = true;             // json, currentDate, ... are defined
    bool definitions = true;              // {{define}}d templates can be called
    const ast::list * root = nullptr;  // execute this tree instead of the main one
    // Budget already spent by earlier runs of one rendering (Ollama runs
    // legacy templates once per turn): steps counted on from *steps_used
    // (and left there), bytes already written.
    std::size_t * steps_used = nullptr;
    std::size_t output_before = 0;
};

result<std::string> execute(const parsed_template & t, const json & data, const exec_options & opts,
                            const limits & lim = {});

}  // namespace lokal::tmpl
