// The parse tree of a Go text/template, shaped like Go's text/template/parse
// nodes so that execution and Ollama's tree rewrites follow Go one to one.
// Internal to lokal_template.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace lokal::tmpl::ast {

struct pipe;

// An operand of a command.
enum class arg_kind : std::uint8_t {
    field,       // .A.B           idents = {"A", "B"}
    variable,    // $x.A.B         idents = {"$x", "A", "B"}
    chain,       // (pipe).A.B     base + idents = {"A", "B"}
    identifier,  // a function name in text
    dot,
    nil,
    boolean,
    number,
    string,
    pipe,        // a parenthesised pipeline
};

struct number {
    bool is_int = false;
    bool is_uint = false;
    bool is_float = false;
    std::int64_t i = 0;
    std::uint64_t u = 0;
    double f = 0;
};

struct arg {
    arg_kind kind = arg_kind::dot;
    std::size_t pos = 0;
    std::vector<std::string> idents;
    std::string text;    // function name, the string's value or the number as written
    bool truth = false;  // boolean
    number num;
    std::unique_ptr<pipe> sub;   // pipe, and the base of a chain when it is a pipe
    std::unique_ptr<arg> base;   // the base of a chain when it is a function name

    arg() = default;
    arg(arg &&) = default;
    arg & operator=(arg &&) = default;
    arg clone() const;
};

struct command {
    std::size_t pos = 0;
    std::vector<arg> args;
    command clone() const;
};

struct pipe {
    std::size_t pos = 0;
    bool is_assign = false;          // $x = ... rather than $x := ...
    std::vector<std::string> decl;   // declared or assigned variables
    std::vector<command> cmds;
    pipe clone() const;
};

enum class node_kind : std::uint8_t {
    text,
    action,
    if_,
    range,
    with,
    template_call,
    break_,
    continue_,
};

struct list;

struct node {
    node_kind kind = node_kind::text;
    std::size_t pos = 0;
    std::string text;              // text node bytes; the called template's name
    std::unique_ptr<pipe> p;       // action, if, range, with; template (may be null)
    std::unique_ptr<list> body;    // if, range, with
    std::unique_ptr<list> else_body;
    node clone() const;
};

struct list {
    std::vector<node> nodes;
    list clone() const;
};

// A parsed template: the main tree and every {{define}}/{{block}} by name.
struct tree_set {
    std::string source;  // kept for line numbers in execution errors
    list root;
    std::map<std::string, list> defined;
};

// Go's Node.String() for error messages ("executing ... at <.A.B>").
std::string to_string(const arg & a);
std::string to_string(const command & c);
std::string to_string(const pipe & p);
std::string to_string(const node & n);
std::string to_string(const list & l);

}  // namespace lokal::tmpl::ast
