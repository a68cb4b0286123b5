// Evaluation of pipelines, commands, fields and calls (the expression half
// of Go's exec.go).
#include "template/exec.h"
#include "template/gofmt.h"
#include "template/text.h"

namespace lokal::tmpl {

namespace {

std::string static_type_of(const value & v) {
    if (v.valid() && v.type()->kind == gkind::any) {
        return "interface {}";
    }
    return type_name(v);
}

value nil_iface() { return value::owned(nullptr, types::any()); }

bool is_hex_int_text(const std::string & s) {
    return s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && s.find_first_of("pP") == std::string::npos;
}

}  // namespace

value dig_interface(const value & v) {
    if (!v.valid() || v.type()->kind != gkind::any) {
        return v;
    }
    resolved r = resolve(v);
    if (r.kind == vkind::nil) {
        return {};
    }
    return v.retyped(r.type);
}

value executor::eval_pipeline(const value & dot, const ast::pipe & p) {
    depth_guard guard(*this);
    at_ = at_node{p.pos, nullptr, nullptr, &p, nullptr};
    value v;
    bool have = false;
    for (const auto & c : p.cmds) {
        step();
        v = dig_interface(eval_command(dot, c, have ? &v : nullptr));
        have = true;
    }
    for (const auto & name : p.decl) {
        if (p.is_assign) {
            set_var(name, v);
        } else {
            push_var(name, v);
        }
    }
    return v;
}

void executor::not_a_function(const std::vector<ast::arg> * args, const value * final) {
    if ((args != nullptr && args->size() > 1) || final != nullptr) {
        errorf("can't give argument to non-function " + ast::to_string((*args)[0]));
    }
}

value executor::eval_command(const value & dot, const ast::command & c, const value * final) {
    const ast::arg & first = c.args[0];
    switch (first.kind) {
    case ast::arg_kind::field: return eval_field_node(dot, first, &c.args, final);
    case ast::arg_kind::chain: return eval_chain_node(dot, first, &c.args, final);
    case ast::arg_kind::identifier: return eval_function(dot, first, &c.args, final, &c);
    case ast::arg_kind::pipe:
        not_a_function(&c.args, final);
        return eval_pipeline(dot, *first.sub);
    case ast::arg_kind::variable: return eval_variable_node(dot, first, &c.args, final);
    default: break;
    }
    at_ = at_node{first.pos, &first, nullptr, nullptr, nullptr};
    not_a_function(&c.args, final);
    switch (first.kind) {
    case ast::arg_kind::boolean: return make_bool(first.truth);
    case ast::arg_kind::dot: return dot;
    case ast::arg_kind::nil: errorf("nil is not a command");
    case ast::arg_kind::number: return ideal_constant(first);
    case ast::arg_kind::string: return make_string(first.text);
    default: errorf("can't evaluate command " + go_quote(ast::to_string(first)));
    }
}

value executor::ideal_constant(const ast::arg & a) {
    at_ = at_node{a.pos, &a, nullptr, nullptr, nullptr};
    const ast::number & n = a.num;
    if (n.is_float && !is_hex_int_text(a.text) && a.text[0] != '\'' &&
        a.text.find_first_of(".eEpP") != std::string::npos) {
        return make_float(n.f);
    }
    if (n.is_int) {
        return make_int(n.i);
    }
    if (n.is_uint) {
        errorf(a.text + " overflows int");
    }
    return {};
}

value executor::eval_field_node(const value & dot, const ast::arg & a, const std::vector<ast::arg> * args,
                                const value * final) {
    at_ = at_node{a.pos, &a, nullptr, nullptr, nullptr};
    return eval_field_chain(dot, dot, a.idents, 0, args, final);
}

value executor::eval_chain_node(const value & dot, const ast::arg & a, const std::vector<ast::arg> * args,
                                const value * final) {
    at_ = at_node{a.pos, &a, nullptr, nullptr, nullptr};
    value base = a.sub ? eval_pipeline(dot, *a.sub) : eval_function(dot, *a.base, nullptr, nullptr, nullptr);
    return eval_field_chain(dot, base, a.idents, 0, args, final);
}

value executor::eval_variable_node(const value & dot, const ast::arg & a, const std::vector<ast::arg> * args,
                                   const value * final) {
    at_ = at_node{a.pos, &a, nullptr, nullptr, nullptr};
    value v = var_value(a.idents[0]);
    if (a.idents.size() == 1) {
        not_a_function(args, final);
        return v;
    }
    return eval_field_chain(dot, v, a.idents, 1, args, final);
}

value executor::eval_field_chain(const value & dot, value receiver, const std::vector<std::string> & idents,
                                 std::size_t first, const std::vector<ast::arg> * args, const value * final) {
    for (std::size_t i = first; i + 1 < idents.size(); ++i) {
        receiver = eval_field(dot, idents[i], receiver, nullptr, nullptr);
    }
    return eval_field(dot, idents.back(), receiver, args, final);
}

value executor::eval_field(const value & dot, const std::string & name, const value & receiver,
                           const std::vector<ast::arg> * args, const value * final) {
    step();
    if (!receiver.valid()) {
        return {};  // Go: a field of nothing is nothing
    }
    const std::string static_type = static_type_of(receiver);
    resolved r = resolve(receiver);
    if (r.kind == vkind::nil) {
        errorf("nil pointer evaluating " + static_type + "." + name);
    }
    if (value m; eval_method(dot, name, receiver, args, final, m)) {
        return m;
    }
    const bool has_args = (args != nullptr && args->size() > 1) || final != nullptr;
    if (r.kind == vkind::strukt) {
        if (const go_field * f = r.type->field(name)) {
            if (has_args) {
                errorf(name + " has arguments but cannot be invoked as function");
            }
            auto it = receiver.j().find(name);
            return it != receiver.j().end() ? receiver.child(*it, f->type) : zero_of(f->type);
        }
    } else if (r.kind == vkind::map) {
        if (has_args) {
            errorf(name + " is not a method but has arguments");
        }
        step(receiver.j().size() / 16);  // ordered JSON objects look keys up one by one
        value e = map_get(receiver, name);
        if (e.valid()) {
            return e;
        }
        if (!opts_.missingkey_zero) {
            return {};
        }
        return zero_of(r.type->elem);  // map[string]interface{}: a nil interface
    }
    errorf("can't evaluate field " + name + " in type " + static_type);
}

// The few Go methods Ollama's data types have that templates can reach.
bool executor::eval_method(const value & dot, const std::string & name, const value & receiver,
                           const std::vector<ast::arg> * args, const value * final, value & out) {
    (void)dot;
    resolved r = resolve(receiver);
    const go_type * t = r.type;
    const bool is_string = name == "String" && t->stringer != gstringer::none;
    const bool is_ts = name == "ToTypeScriptType" && t->tool_property;
    const bool is_omap = r.kind == vkind::omap && (name == "Len" || name == "ToMap");
    if (!is_string && !is_ts && !is_omap) {
        return false;
    }
    const std::size_t given = (args != nullptr ? args->size() - 1 : 0) + (final != nullptr ? 1 : 0);
    if (given != 0) {
        errorf("wrong number of args for " + name + ": want 0 got " + std::to_string(given));
    }
    if (is_string) {
        out = make_string(stringer_text(receiver).value_or(""));
    } else if (is_ts) {
        out = make_string(typescript_type(receiver));
    } else if (name == "Len") {
        out = make_int(length_of(receiver));
    } else {
        out = receiver.retyped(t->map_view != nullptr ? t->map_view : t);
    }
    return true;
}

value executor::eval_function(const value & dot, const ast::arg & ident, const std::vector<ast::arg> * args,
                              const value * final, const ast::command * cmd) {
    at_ = at_node{ident.pos, &ident, nullptr, nullptr, nullptr};
    const func_sig * f = find_function(ident.text, opts_.ollama_funcs);
    if (f == nullptr) {
        errorf(go_quote(ident.text) + " is not a defined function");
    }
    const std::size_t given_args = args != nullptr ? args->size() - 1 : 0;
    const std::size_t num_in = given_args + (final != nullptr ? 1 : 0);
    const auto fixed = static_cast<std::size_t>(f->fixed);
    if (f->variadic && num_in < fixed) {
        errorf("wrong number of args for " + ident.text + ": want at least " + std::to_string(fixed) + " got " +
               std::to_string(given_args));
    }
    if (!f->variadic && num_in != fixed) {
        errorf("wrong number of args for " + ident.text + ": want " + std::to_string(fixed) + " got " +
               std::to_string(num_in));
    }
    if (f->name == "and" || f->name == "or") {
        return eval_and_or(dot, ident.text, args, final);
    }
    std::vector<value> argv = eval_call_args(dot, *f, args, final);
    for (const auto & a : argv) {
        if (a.valid() && a.j().is_string()) {
            step(a.j().get_ref<const std::string &>().size() / 64);  // comparing or copying costs its length
        }
    }
    value out;
    std::string err;
    if (f->name == "call") {
        std::string callee;
        if (given_args > 0) {
            callee = ast::to_string((*args)[1]);
        } else {
            // Go names the callee by reflect.Value.String() of the piped value.
            callee = resolve(argv[0]).kind == vkind::string ? argv[0].j().get<std::string>()
                                                             : "<" + type_name(argv[0]) + " Value>";
        }
        resolved r = resolve(argv[0]);
        err = r.kind == vkind::invalid || r.kind == vkind::nil ? "call of nil"
                                                                : "non-function " + callee + " of type " + type_name(argv[0]);
    } else if (call_function(*f, argv, out, err)) {
        charge(out);
        return out;
    }
    if (cmd != nullptr) {
        at_ = at_node{cmd->pos, nullptr, cmd, nullptr, nullptr};
    }
    errorf("error calling " + ident.text + ": " + err);
}

std::vector<value> executor::eval_call_args(const value & dot, const func_sig & f, const std::vector<ast::arg> * args,
                                            const value * final) {
    std::vector<value> argv;
    const std::size_t given = args != nullptr ? args->size() - 1 : 0;
    const auto fixed = static_cast<std::size_t>(f.fixed);
    for (std::size_t i = 0; i < given; ++i) {
        argv.push_back(eval_arg(dot, i < fixed ? f.fixed_kind : f.tail_kind, (*args)[i + 1]));
    }
    if (final != nullptr) {
        const param_kind k = argv.size() < fixed ? f.fixed_kind : (f.variadic ? f.tail_kind : f.fixed_kind);
        argv.push_back(validate(*final, k));
    }
    return argv;
}

value executor::eval_and_or(const value & dot, const std::string & name, const std::vector<ast::arg> * args,
                            const value * final) {
    const bool is_or = name == "or";
    value v;
    const std::size_t given = args != nullptr ? args->size() - 1 : 0;
    for (std::size_t i = 0; i < given; ++i) {
        v = eval_arg(dot, param_kind::value, (*args)[i + 1]);
        if (truth(v) == is_or) {
            return v;  // and/or stop at the first deciding operand, as Go's do
        }
    }
    if (final != nullptr) {
        v = validate(*final, param_kind::value);
    }
    return v;
}

value executor::validate(const value & v, param_kind kind) {
    if (!v.valid()) {
        switch (kind) {
        case param_kind::any: return nil_iface();
        case param_kind::value: return {};
        case param_kind::string: errorf("invalid value; expected string");
        }
    }
    if (kind == param_kind::string && resolve(v).kind != vkind::string) {
        errorf("wrong type for value; expected string; got " + type_name(v));
    }
    return v;
}

value executor::eval_arg(const value & dot, param_kind kind, const ast::arg & a) {
    at_ = at_node{a.pos, &a, nullptr, nullptr, nullptr};
    switch (a.kind) {
    case ast::arg_kind::dot: return validate(dot, kind);
    case ast::arg_kind::nil:
        if (kind == param_kind::string) {
            errorf("cannot assign nil to string");
        }
        return kind == param_kind::any ? nil_iface() : value();
    case ast::arg_kind::field: return validate(eval_field_node(dot, a, nullptr, nullptr), kind);
    case ast::arg_kind::variable: return validate(eval_variable_node(dot, a, nullptr, nullptr), kind);
    case ast::arg_kind::pipe: return validate(eval_pipeline(dot, *a.sub), kind);
    case ast::arg_kind::identifier: return validate(eval_function(dot, a, nullptr, nullptr, nullptr), kind);
    case ast::arg_kind::chain: return validate(eval_chain_node(dot, a, nullptr, nullptr), kind);
    default: break;
    }
    if (kind == param_kind::string) {
        if (a.kind != ast::arg_kind::string) {
            errorf("expected string; found " + ast::to_string(a));
        }
        return make_string(a.text);
    }
    switch (a.kind) {
    case ast::arg_kind::boolean: return make_bool(a.truth);
    case ast::arg_kind::number: return ideal_constant(a);
    case ast::arg_kind::string: return make_string(a.text);
    default: errorf("can't handle " + ast::to_string(a) + " for arg");
    }
}

}  // namespace lokal::tmpl
