// Execution of a parsed template tree, following Go's text/template/exec.go:
// the same variable scoping, interface digging, missing-key rules and error
// messages, plus the limits that make untrusted templates safe to run.
// Internal to lokal_template.
#pragma once

#include "template/ast.h"
#include "template/funcs.h"
#include "template/template.h"
#include "template/value.h"

#include <string>
#include <utility>
#include <vector>

namespace lokal::tmpl {

// Go's "dig down one level": an interface{} becomes its dynamic value, and a
// nil one becomes no value.
value dig_interface(const value & v);

// Raised inside execution; render() turns it into a result.
struct exec_failure {
    errc code = errc::invalid_request;
    std::string message;
};

class executor {
public:
    executor(const ast::tree_set & trees, const exec_options & opts, const limits & lim, std::string & out);

    void run(const ast::list & root, const value & data);
    std::size_t steps() const { return steps_; }

private:
    enum class flow { normal, brk, cont };

    // Where execution is, for "executing ... at <...>" messages.
    struct at_node {
        std::size_t pos = 0;
        const ast::arg * a = nullptr;
        const ast::command * c = nullptr;
        const ast::pipe * p = nullptr;
        const ast::node * n = nullptr;
    };

    flow walk_list(const value & dot, const ast::list & l);
    flow walk(const value & dot, const ast::node & n);
    flow walk_if_with(const value & dot, const ast::node & n);
    flow walk_range(const value & dot, const ast::node & n);
    flow range_body(const ast::node & n, std::size_t mark, const value & index, const value & elem);
    void walk_template(const value & dot, const ast::node & n);

    value eval_pipeline(const value & dot, const ast::pipe & p);
    value eval_command(const value & dot, const ast::command & c, const value * final);
    value eval_field_node(const value & dot, const ast::arg & a, const std::vector<ast::arg> * args, const value * final);
    value eval_chain_node(const value & dot, const ast::arg & a, const std::vector<ast::arg> * args, const value * final);
    value eval_variable_node(const value & dot, const ast::arg & a, const std::vector<ast::arg> * args, const value * final);
    value eval_field_chain(const value & dot, value receiver, const std::vector<std::string> & idents,
                           std::size_t first, const std::vector<ast::arg> * args, const value * final);
    value eval_field(const value & dot, const std::string & name, const value & receiver,
                     const std::vector<ast::arg> * args, const value * final);
    bool eval_method(const value & dot, const std::string & name, const value & receiver,
                     const std::vector<ast::arg> * args, const value * final, value & out);
    value eval_function(const value & dot, const ast::arg & ident, const std::vector<ast::arg> * args,
                        const value * final, const ast::command * cmd);
    std::vector<value> eval_call_args(const value & dot, const func_sig & f, const std::vector<ast::arg> * args,
                                      const value * final);
    value eval_and_or(const value & dot, const std::string & name, const std::vector<ast::arg> * args,
                      const value * final);
    value eval_arg(const value & dot, param_kind kind, const ast::arg & a);
    value validate(const value & v, param_kind kind);
    value ideal_constant(const ast::arg & a);
    void not_a_function(const std::vector<ast::arg> * args, const value * final);

    void push_var(const std::string & name, const value & v) { vars_.emplace_back(name, v); }
    void set_var(const std::string & name, const value & v);
    void set_top_var(std::size_t n, const value & v) { vars_[vars_.size() - n].second = v; }
    value var_value(const std::string & name);

    void write(std::string_view s);
    void step(std::size_t n = 1);
    void charge(const value & produced);
    [[noreturn]] void errorf(const std::string & msg);
    [[noreturn]] void limit_error(const std::string & msg);

    struct depth_guard {
        executor & e;
        explicit depth_guard(executor & owner);
        ~depth_guard() { --e.depth_; }
    };

    const ast::tree_set & trees_;
    exec_options opts_;
    limits lim_;
    std::string & out_;
    std::vector<std::pair<std::string, value>> vars_;
    std::string tmpl_name_;  // the executing template, for messages
    at_node at_;
    std::size_t steps_ = 0;
    std::size_t depth_ = 0;
};

}  // namespace lokal::tmpl
