#include "template/ast.h"

#include "template/text.h"

namespace lokal::tmpl::ast {

arg arg::clone() const {
    arg a;
    a.kind = kind;
    a.pos = pos;
    a.idents = idents;
    a.text = text;
    a.truth = truth;
    a.num = num;
    if (sub) {
        a.sub = std::make_unique<pipe>(sub->clone());
    }
    if (base) {
        a.base = std::make_unique<arg>(base->clone());
    }
    return a;
}

command command::clone() const {
    command c;
    c.pos = pos;
    for (const auto & a : args) {
        c.args.push_back(a.clone());
    }
    return c;
}

pipe pipe::clone() const {
    pipe p;
    p.pos = pos;
    p.is_assign = is_assign;
    p.decl = decl;
    for (const auto & c : cmds) {
        p.cmds.push_back(c.clone());
    }
    return p;
}

node node::clone() const {
    node n;
    n.kind = kind;
    n.pos = pos;
    n.text = text;
    if (p) {
        n.p = std::make_unique<pipe>(p->clone());
    }
    if (body) {
        n.body = std::make_unique<list>(body->clone());
    }
    if (else_body) {
        n.else_body = std::make_unique<list>(else_body->clone());
    }
    return n;
}

list list::clone() const {
    list l;
    for (const auto & n : nodes) {
        l.nodes.push_back(n.clone());
    }
    return l;
}

namespace {

std::string join_idents(const std::vector<std::string> & idents, bool leading_dot) {
    std::string s;
    for (std::size_t i = 0; i < idents.size(); ++i) {
        if (i > 0 || leading_dot) {
            s += '.';
        }
        s += idents[i];
    }
    return s;
}

}  // namespace

std::string to_string(const arg & a) {
    switch (a.kind) {
    case arg_kind::field: return join_idents(a.idents, true);
    case arg_kind::variable: return join_idents(a.idents, false);
    case arg_kind::chain: {
        std::string s = a.sub ? "(" + to_string(*a.sub) + ")" : (a.base ? to_string(*a.base) : "");
        return s + join_idents(a.idents, true);
    }
    case arg_kind::identifier: return a.text;
    case arg_kind::dot: return ".";
    case arg_kind::nil: return "nil";
    case arg_kind::boolean: return a.truth ? "true" : "false";
    case arg_kind::number: return a.text;
    case arg_kind::string: return go_quote(a.text);
    case arg_kind::pipe: return a.sub ? to_string(*a.sub) : "";
    }
    return "";
}

std::string to_string(const command & c) {
    std::string s;
    for (std::size_t i = 0; i < c.args.size(); ++i) {
        if (i > 0) {
            s += ' ';
        }
        if (c.args[i].kind == arg_kind::pipe) {
            s += "(" + to_string(c.args[i]) + ")";
        } else {
            s += to_string(c.args[i]);
        }
    }
    return s;
}

std::string to_string(const pipe & p) {
    std::string s;
    for (std::size_t i = 0; i < p.decl.size(); ++i) {
        if (i > 0) {
            s += ", ";
        }
        s += p.decl[i];
    }
    if (!p.decl.empty()) {
        s += p.is_assign ? " = " : " := ";
    }
    for (std::size_t i = 0; i < p.cmds.size(); ++i) {
        if (i > 0) {
            s += " | ";
        }
        s += to_string(p.cmds[i]);
    }
    return s;
}

std::string to_string(const node & n) {
    auto control = [&](const char * word) {
        std::string s = std::string("{{") + word + " " + (n.p ? to_string(*n.p) : "") + "}}";
        s += n.body ? to_string(*n.body) : "";
        if (n.else_body) {
            s += "{{else}}" + to_string(*n.else_body);
        }
        return s + "{{end}}";
    };
    switch (n.kind) {
    case node_kind::text: return n.text;
    case node_kind::action: return "{{" + (n.p ? to_string(*n.p) : "") + "}}";
    case node_kind::if_: return control("if");
    case node_kind::range: return control("range");
    case node_kind::with: return control("with");
    case node_kind::template_call:
        return "{{template " + go_quote(n.text) + (n.p ? " " + to_string(*n.p) : "") + "}}";
    case node_kind::break_: return "{{break}}";
    case node_kind::continue_: return "{{continue}}";
    }
    return "";
}

std::string to_string(const list & l) {
    std::string s;
    for (const auto & n : l.nodes) {
        s += to_string(n);
    }
    return s;
}

}  // namespace lokal::tmpl::ast
