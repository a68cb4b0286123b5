#include "template/exec.h"

#include "template/gofmt.h"
#include "template/text.h"

namespace lokal::tmpl {

executor::depth_guard::depth_guard(executor & owner) : e(owner) {
    if (++e.depth_ > e.lim_.max_depth) {
        e.limit_error("nesting deeper than the limit of " + std::to_string(e.lim_.max_depth) + " levels");
    }
}

executor::executor(const ast::tree_set & trees, const exec_options & opts, const limits & lim, std::string & out)
    : trees_(trees), opts_(opts), lim_(lim), out_(out), steps_(opts.steps_used != nullptr ? *opts.steps_used : 0) {}

void executor::run(const ast::list & root, const value & data) {
    value dot = dig_interface(data);
    vars_.clear();
    push_var("$", dot);
    walk_list(dot, root);
}

void executor::write(std::string_view s) {
    if (opts_.output_before + out_.size() + s.size() > lim_.max_output_bytes) {
        limit_error("output larger than the limit of " + std::to_string(lim_.max_output_bytes) + " bytes");
    }
    step(s.size() / 64);
    out_ += s;
}

void executor::step(std::size_t n) {
    steps_ += n + 1;
    if (steps_ > lim_.max_steps) {
        limit_error("execution longer than the limit of " + std::to_string(lim_.max_steps) + " steps");
    }
}

void executor::charge(const value & produced) {
    if (!produced.valid() || !produced.j().is_string()) {
        return;
    }
    const std::size_t n = produced.j().get_ref<const std::string &>().size();
    if (n > lim_.max_output_bytes) {
        limit_error("a value larger than the limit of " + std::to_string(lim_.max_output_bytes) + " bytes");
    }
    step(n / 64);
}

void executor::limit_error(const std::string & msg) {
    throw exec_failure{errc::invalid_request, "template: " + msg};
}

void executor::errorf(const std::string & msg) {
    const std::string & src = trees_.source;
    const std::size_t pos = std::min(at_.pos, src.size());
    std::size_t line = 1;
    std::size_t line_start = 0;
    for (std::size_t i = 0; i < pos; ++i) {
        if (src[i] == '\n') {
            ++line;
            line_start = i + 1;
        }
    }
    std::string context;
    if (at_.a != nullptr) {
        context = ast::to_string(*at_.a);
    } else if (at_.c != nullptr) {
        context = ast::to_string(*at_.c);
    } else if (at_.p != nullptr) {
        context = ast::to_string(*at_.p);
    } else if (at_.n != nullptr) {
        context = ast::to_string(*at_.n);
    }
    throw exec_failure{errc::internal, "template: :" + std::to_string(line) + ":" + std::to_string(pos - line_start) +
                                           ": executing " + go_quote(tmpl_name_) + " at <" + context + ">: " + msg};
}

void executor::set_var(const std::string & name, const value & v) {
    for (auto it = vars_.rbegin(); it != vars_.rend(); ++it) {
        if (it->first == name) {
            it->second = v;
            return;
        }
    }
    errorf("undefined variable: " + name);
}

value executor::var_value(const std::string & name) {
    for (auto it = vars_.rbegin(); it != vars_.rend(); ++it) {
        if (it->first == name) {
            return it->second;
        }
    }
    errorf("undefined variable: " + name);
}

executor::flow executor::walk_list(const value & dot, const ast::list & l) {
    depth_guard guard(*this);
    for (const auto & n : l.nodes) {
        step();
        if (flow f = walk(dot, n); f != flow::normal) {
            return f;
        }
    }
    return flow::normal;
}

executor::flow executor::walk(const value & dot, const ast::node & n) {
    at_ = at_node{n.pos, nullptr, nullptr, nullptr, &n};
    switch (n.kind) {
    case ast::node_kind::text: write(n.text); return flow::normal;
    case ast::node_kind::action: {
        value v = eval_pipeline(dot, *n.p);
        if (n.p->decl.empty()) {
            std::string s;
            print_action_value(s, v);
            write(s);
        }
        return flow::normal;
    }
    case ast::node_kind::if_:
    case ast::node_kind::with: return walk_if_with(dot, n);
    case ast::node_kind::range: return walk_range(dot, n);
    case ast::node_kind::template_call: walk_template(dot, n); return flow::normal;
    case ast::node_kind::break_: return flow::brk;
    case ast::node_kind::continue_: return flow::cont;
    }
    return flow::normal;
}

executor::flow executor::walk_if_with(const value & dot, const ast::node & n) {
    const std::size_t mark = vars_.size();
    value v = eval_pipeline(dot, *n.p);
    flow f = flow::normal;
    if (truth(v)) {
        f = walk_list(n.kind == ast::node_kind::with ? v : dot, *n.body);
    } else if (n.else_body) {
        f = walk_list(dot, *n.else_body);
    }
    vars_.resize(mark);
    return f;
}

executor::flow executor::range_body(const ast::node & n, std::size_t mark, const value & index, const value & elem) {
    step();
    const auto & decl = n.p->decl;
    if (!decl.empty()) {
        if (n.p->is_assign) {
            set_var(decl[0], decl.size() > 1 ? index : elem);
        } else {
            set_top_var(1, elem);
        }
    }
    if (decl.size() > 1) {
        if (n.p->is_assign) {
            set_var(decl[1], elem);
        } else {
            set_top_var(2, index);
        }
    }
    flow f = walk_list(elem, *n.body);
    vars_.resize(mark);
    return f;
}

executor::flow executor::walk_range(const value & dot, const ast::node & n) {
    at_ = at_node{n.pos, nullptr, nullptr, nullptr, &n};
    const std::size_t mark0 = vars_.size();
    value v = eval_pipeline(dot, *n.p);
    const std::size_t mark = vars_.size();
    resolved r = resolve(v);
    bool ran = false;
    switch (r.kind) {
    case vkind::int_:
    case vkind::uint_: {
        if (n.p->decl.size() > 1) {
            errorf("can't use " + go_sprint({v}) + " to iterate over more than one variable");
        }
        const long long count = r.kind == vkind::int_ ? v.j().get<long long>() : static_cast<long long>(v.j().get<unsigned long long>());
        for (long long i = 0; i < count; ++i) {
            ran = true;
            if (range_body(n, mark, value(), value::owned(i, r.type)) == flow::brk) {
                break;
            }
        }
        break;
    }
    case vkind::slice: {
        const long long count = length_of(v);
        for (long long i = 0; i < count; ++i) {
            ran = true;
            if (range_body(n, mark, make_int(i), slice_elem(v, static_cast<std::size_t>(i))) == flow::brk) {
                break;
            }
        }
        break;
    }
    case vkind::map: {
        auto entries = map_entries(v);
        step(entries.size());  // sorting is paid for even when the body breaks at once
        for (const auto & [k, e] : entries) {
            ran = true;
            if (range_body(n, mark, make_string(k), e) == flow::brk) {
                break;
            }
        }
        break;
    }
    case vkind::invalid:
    case vkind::nil:
        break;  // Go ranges over nothing and takes the else branch
    default:
        errorf("range can't iterate over " + go_sprint({v}));
    }
    flow f = flow::normal;
    if (!ran && n.else_body) {
        f = walk_list(dot, *n.else_body);
    }
    vars_.resize(mark0);
    return f == flow::normal ? flow::normal : f;
}

void executor::walk_template(const value & dot, const ast::node & n) {
    at_ = at_node{n.pos, nullptr, nullptr, nullptr, &n};
    const ast::list * body = nullptr;
    if (opts_.definitions) {
        if (n.text.empty()) {
            body = &trees_.root;  // the main template is named ""
        } else if (auto it = trees_.defined.find(n.text); it != trees_.defined.end()) {
            body = &it->second;
        }
    }
    if (body == nullptr) {
        errorf("template " + go_quote(n.text) + " not defined");
    }
    depth_guard guard(*this);
    value new_dot = n.p ? eval_pipeline(dot, *n.p) : value();
    std::vector<std::pair<std::string, value>> saved_vars;
    saved_vars.swap(vars_);
    std::string saved_name = tmpl_name_;
    push_var("$", new_dot);
    tmpl_name_ = n.text;
    walk_list(new_dot, *body);
    vars_.swap(saved_vars);
    tmpl_name_ = std::move(saved_name);
}

}  // namespace lokal::tmpl
