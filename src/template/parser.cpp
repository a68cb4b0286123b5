// The parser follows Go's text/template/parse closely (same lookahead, same
// variable scoping, same messages) so that a template Ollama rejects is
// rejected here with the same words, and one it accepts parses the same way.
#include "template/ast.h"
#include "template/funcs.h"
#include "template/lexer.h"
#include "template/template.h"
#include "template/text.h"

#include <cctype>
#include <cerrno>
#include <cstdint>
#include <charconv>
#include <cstdlib>

namespace lokal::tmpl {

namespace {

// Deeper nesting than this is refused, so that recursion here and in
// execution stays far from the thread's stack limit.
constexpr int max_parse_depth = 500;

struct parse_failure {
    std::string message;
};

// What textOrAction yields: a node, or the {{end}}/{{else}} closing a list.
enum class item_kind { node, end, else_ };

struct item_result {
    item_kind kind = item_kind::node;
    ast::node n;
    std::size_t pos = 0;
};

std::string item_string(const item_result & r) {
    return r.kind == item_kind::end ? "{{end}}" : "{{else}}";
}

class parser {
public:
    explicit parser(std::string_view text) : text_(text), lex_(text) {}

    std::unique_ptr<ast::tree_set> run();

private:
    // Token buffer with Go's three-token lookahead.
    token next();
    void backup() { ++peek_count_; }
    void backup2(token t1);
    void backup3(token t2, token t1);
    token peek();
    token next_non_space();
    token peek_non_space();

    [[noreturn]] void errorf(const std::string & msg);
    [[noreturn]] void unexpected(const token & t, std::string_view context);
    token expect(tok type, std::string_view context);

    void parse_definition();
    void add_tree(const std::string & name, ast::list body);
    ast::list item_list(item_result & closing);
    // Parses up to {{end}} as the tree `name` ({{define}} and {{block}}).
    void parse_definition_body(const std::string & name, std::string_view context);
    item_result text_or_action();
    item_result action();
    ast::node loop_control(tok type, const token & t);
    std::unique_ptr<ast::pipe> pipeline(std::string_view context, tok end);
    bool pipeline_decls(ast::pipe & p, std::string_view context);
    void check_pipeline(const ast::pipe & p, std::string_view context);
    ast::node control(ast::node_kind kind, std::string_view context);
    item_result else_control();
    ast::node block_control();
    ast::node template_control();
    std::string template_name(const token & t, std::string_view context);
    ast::command command();
    bool operand(ast::arg & out);
    bool term(ast::arg & out);
    ast::number number(const token & t);
    void use_var(const token & t, ast::arg & out);

    struct depth_guard {
        parser & p;
        explicit depth_guard(parser & owner) : p(owner) {
            if (++p.depth_ > max_parse_depth) {
                p.errorf("max expression depth exceeded");
            }
        }
        ~depth_guard() { --p.depth_; }
    };

    std::string_view text_;
    lexer lex_;
    token tokens_[3];
    int peek_count_ = 0;
    int action_line_ = 0;
    int range_depth_ = 0;
    int depth_ = 0;
    bool root_set_ = false;
    std::vector<std::string> vars_{"$"};
    std::unique_ptr<ast::tree_set> set_;
};

token parser::next() {
    if (peek_count_ > 0) {
        --peek_count_;
    } else {
        tokens_[0] = lex_.next();
    }
    return tokens_[peek_count_];
}

void parser::backup2(token t1) {
    tokens_[1] = t1;
    peek_count_ = 2;
}

void parser::backup3(token t2, token t1) {
    tokens_[1] = t1;
    tokens_[2] = t2;
    peek_count_ = 3;
}

token parser::peek() {
    if (peek_count_ > 0) {
        return tokens_[peek_count_ - 1];
    }
    peek_count_ = 1;
    tokens_[0] = lex_.next();
    return tokens_[0];
}

token parser::next_non_space() {
    token t;
    do {
        t = next();
    } while (t.type == tok::space);
    return t;
}

token parser::peek_non_space() {
    token t = next_non_space();
    backup();
    return t;
}

void parser::errorf(const std::string & msg) {
    throw parse_failure{"template: :" + std::to_string(tokens_[0].line) + ": " + msg};
}

void parser::unexpected(const token & t, std::string_view context) {
    if (t.type == tok::error) {
        std::string extra;
        if (action_line_ != 0 && action_line_ != t.line) {
            extra = " in action started at :" + std::to_string(action_line_);
            if (t.val.size() >= 7 && t.val.substr(t.val.size() - 7) == " action") {
                extra = extra.substr(10);  // "unclosed action started at", not "action in action"
            }
        }
        errorf(std::string(t.val) + extra);
    }
    errorf("unexpected " + describe(t) + " in " + std::string(context));
}

token parser::expect(tok type, std::string_view context) {
    token t = next_non_space();
    if (t.type != type) {
        unexpected(t, context);
    }
    return t;
}

std::unique_ptr<ast::tree_set> parser::run() {
    set_ = std::make_unique<ast::tree_set>();
    set_->source = std::string(text_);
    ast::list root;
    while (peek().type != tok::eof) {
        if (peek().type == tok::left_delim) {
            token delim = next();
            if (next_non_space().type == tok::define) {
                parse_definition();
                continue;
            }
            backup2(delim);
        }
        item_result r = text_or_action();
        if (r.kind != item_kind::node) {
            errorf("unexpected " + item_string(r));
        }
        root.nodes.push_back(std::move(r.n));
    }
    add_tree("", std::move(root));
    return std::move(set_);
}

// Go's IsEmptyTree: only whitespace text and comments.
bool is_empty_tree(const ast::list & l) {
    for (const auto & n : l.nodes) {
        if (n.kind != ast::node_kind::text) {
            return false;
        }
        for (char c : n.text) {
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\v' && c != '\f') {
                return false;
            }
        }
    }
    return true;
}

void parser::add_tree(const std::string & name, ast::list body) {
    // Go's treeSet: a name whose tree is empty may be redefined; two
    // non-empty trees under one name are an error. "" is the main template.
    const bool is_main = name.empty();
    ast::list * existing = nullptr;
    if (is_main) {
        existing = root_set_ ? &set_->root : nullptr;
    } else if (auto it = set_->defined.find(name); it != set_->defined.end()) {
        existing = &it->second;
    }
    if (existing == nullptr || is_empty_tree(*existing)) {
        if (is_main) {
            set_->root = std::move(body);
            root_set_ = true;
        } else {
            set_->defined[name] = std::move(body);
        }
        return;
    }
    if (!is_empty_tree(body)) {
        errorf("template: multiple definition of template " + go_quote(name));
    }
}

void parser::parse_definition() {
    constexpr std::string_view context = "define clause";
    token name_tok = next_non_space();
    if (name_tok.type != tok::string && name_tok.type != tok::raw_string) {
        unexpected(name_tok, context);
    }
    std::string name;
    if (!go_unquote(name_tok.val, name)) {
        errorf("invalid syntax");
    }
    expect(tok::right_delim, context);
    parse_definition_body(name, context);
}

ast::list parser::item_list(item_result & closing) {
    depth_guard guard(*this);
    ast::list l;
    while (peek_non_space().type != tok::eof) {
        item_result r = text_or_action();
        if (r.kind != item_kind::node) {
            closing = std::move(r);
            return l;
        }
        l.nodes.push_back(std::move(r.n));
    }
    errorf("unexpected EOF");
}

item_result parser::text_or_action() {
    token t = next_non_space();
    switch (t.type) {
    case tok::text: {
        item_result r;
        r.n.kind = ast::node_kind::text;
        r.n.pos = t.pos;
        r.n.text = std::string(t.val);
        return r;
    }
    case tok::left_delim: {
        action_line_ = t.line;
        item_result r = action();
        action_line_ = 0;
        return r;
    }
    default:
        unexpected(t, "input");
    }
}

item_result parser::action() {
    token t = next_non_space();
    item_result r;
    switch (t.type) {
    case tok::block: r.n = block_control(); return r;
    case tok::brk:
    case tok::cont: r.n = loop_control(t.type, t); return r;
    case tok::else_: return else_control();
    case tok::end:
        r.kind = item_kind::end;
        r.pos = expect(tok::right_delim, "end").pos;
        return r;
    case tok::if_: r.n = control(ast::node_kind::if_, "if"); return r;
    case tok::range: r.n = control(ast::node_kind::range, "range"); return r;
    case tok::template_: r.n = template_control(); return r;
    case tok::with: r.n = control(ast::node_kind::with, "with"); return r;
    default: break;
    }
    backup();
    r.n.kind = ast::node_kind::action;
    r.n.pos = peek().pos;
    r.n.p = pipeline("command", tok::right_delim);
    return r;
}

ast::node parser::loop_control(tok type, const token & t) {
    const std::string name = type == tok::brk ? "{{break}}" : "{{continue}}";
    token closing = next_non_space();
    if (closing.type != tok::right_delim) {
        unexpected(closing, name);
    }
    if (range_depth_ == 0) {
        errorf(name + " outside {{range}}");
    }
    ast::node n;
    n.kind = type == tok::brk ? ast::node_kind::break_ : ast::node_kind::continue_;
    n.pos = t.pos;
    return n;
}

std::unique_ptr<ast::pipe> parser::pipeline(std::string_view context, tok end) {
    auto p = std::make_unique<ast::pipe>();
    p->pos = peek_non_space().pos;
    while (pipeline_decls(*p, context)) {
    }
    for (;;) {
        token t = next_non_space();
        if (t.type == end) {
            check_pipeline(*p, context);
            return p;
        }
        switch (t.type) {
        case tok::boolean:
        case tok::char_constant:
        case tok::complex:
        case tok::dot:
        case tok::field:
        case tok::identifier:
        case tok::number:
        case tok::nil:
        case tok::raw_string:
        case tok::string:
        case tok::variable:
        case tok::left_paren:
            backup();
            p->cmds.push_back(command());
            break;
        default:
            unexpected(t, context);
        }
    }
}

// Reads "$x :=", "$x =" or, in a range, "$i, $e :=". Returns true when
// another declaration follows.
bool parser::pipeline_decls(ast::pipe & p, std::string_view context) {
    token v = peek_non_space();
    if (v.type != tok::variable) {
        return false;
    }
    next();
    token after = peek();
    token nxt = peek_non_space();
    if (nxt.type == tok::assign || nxt.type == tok::declare) {
        p.is_assign = nxt.type == tok::assign;
        next_non_space();
        p.decl.emplace_back(v.val);
        vars_.emplace_back(v.val);
        return false;
    }
    if (nxt.type == tok::chr && nxt.val == ",") {
        next_non_space();
        p.decl.emplace_back(v.val);
        vars_.emplace_back(v.val);
        if (context == "range" && p.decl.size() < 2) {
            tok k = peek_non_space().type;
            if (k == tok::variable || k == tok::right_delim || k == tok::right_paren) {
                return true;
            }
            errorf("range can only initialize variables");
        }
        errorf("too many declarations in " + std::string(context));
    }
    if (after.type == tok::space) {
        backup3(v, after);
    } else {
        backup2(v);
    }
    return false;
}

void parser::check_pipeline(const ast::pipe & p, std::string_view context) {
    if (p.cmds.empty()) {
        errorf("missing value for " + std::string(context));
    }
    for (std::size_t i = 1; i < p.cmds.size(); ++i) {
        switch (p.cmds[i].args[0].kind) {
        case ast::arg_kind::boolean:
        case ast::arg_kind::dot:
        case ast::arg_kind::nil:
        case ast::arg_kind::number:
        case ast::arg_kind::string:
            errorf("non executable command in pipeline stage " + std::to_string(i + 1));
        default:
            break;
        }
    }
}

ast::node parser::control(ast::node_kind kind, std::string_view context) {
    depth_guard guard(*this);
    const std::size_t saved_vars = vars_.size();
    ast::node n;
    n.kind = kind;
    n.p = pipeline(context, tok::right_delim);
    n.pos = n.p->pos;
    if (kind == ast::node_kind::range) {
        ++range_depth_;
    }
    item_result closing;
    n.body = std::make_unique<ast::list>(item_list(closing));
    if (kind == ast::node_kind::range) {
        --range_depth_;
    }
    if (closing.kind == item_kind::else_) {
        const tok chained = peek().type;
        if ((kind == ast::node_kind::if_ && chained == tok::if_) ||
            (kind == ast::node_kind::with && chained == tok::with)) {
            // "else if" / "else with": the chain shares one {{end}}.
            next();
            n.else_body = std::make_unique<ast::list>();
            n.else_body->nodes.push_back(control(kind, context));
        } else {
            n.else_body = std::make_unique<ast::list>(item_list(closing));
            if (closing.kind != item_kind::end) {
                errorf("expected end; found " + item_string(closing));
            }
        }
    }
    vars_.resize(saved_vars);
    return n;
}

item_result parser::else_control() {
    item_result r;
    r.kind = item_kind::else_;
    token pk = peek_non_space();
    if (pk.type == tok::if_ || pk.type == tok::with) {
        r.pos = pk.pos;
        return r;
    }
    r.pos = expect(tok::right_delim, "else").pos;
    return r;
}

ast::node parser::block_control() {
    constexpr std::string_view context = "block clause";
    token name_tok = next_non_space();
    std::string name = template_name(name_tok, context);
    ast::node n;
    n.kind = ast::node_kind::template_call;
    n.pos = name_tok.pos;
    n.text = name;
    n.p = pipeline(context, tok::right_delim);
    // The body is a definition of its own, parsed in place.
    parse_definition_body(name, context);
    return n;
}

void parser::parse_definition_body(const std::string & name, std::string_view context) {
    // A definition is a tree of its own: fresh variables, not inside a range.
    std::vector<std::string> saved_vars = std::move(vars_);
    vars_ = {"$"};
    const int saved_range = range_depth_;
    range_depth_ = 0;
    item_result closing;
    ast::list body = item_list(closing);
    if (closing.kind != item_kind::end) {
        errorf("unexpected " + item_string(closing) + " in " + std::string(context));
    }
    vars_ = std::move(saved_vars);
    range_depth_ = saved_range;
    add_tree(name, std::move(body));
}

ast::node parser::template_control() {
    constexpr std::string_view context = "template clause";
    token name_tok = next_non_space();
    ast::node n;
    n.kind = ast::node_kind::template_call;
    n.pos = name_tok.pos;
    n.text = template_name(name_tok, context);
    if (next_non_space().type != tok::right_delim) {
        backup();
        n.p = pipeline(context, tok::right_delim);
    }
    return n;
}

std::string parser::template_name(const token & t, std::string_view context) {
    if (t.type != tok::string && t.type != tok::raw_string) {
        unexpected(t, context);
    }
    std::string name;
    if (!go_unquote(t.val, name)) {
        errorf("invalid syntax");
    }
    return name;
}

ast::command parser::command() {
    ast::command cmd;
    cmd.pos = peek_non_space().pos;
    for (;;) {
        peek_non_space();
        ast::arg a;
        if (operand(a)) {
            cmd.args.push_back(std::move(a));
        }
        token t = next();
        if (t.type == tok::space) {
            continue;
        }
        if (t.type == tok::right_delim || t.type == tok::right_paren) {
            backup();
        } else if (t.type != tok::pipe) {
            unexpected(t, "operand");
        }
        break;
    }
    if (cmd.args.empty()) {
        errorf("empty command");
    }
    return cmd;
}

std::vector<std::string> split_idents(std::string_view s) {
    // ".A.B" -> {"A", "B"}; "$x.A" -> {"$x", "A"}
    std::vector<std::string> out;
    std::size_t start = s.front() == '.' ? 1 : 0;
    while (start <= s.size()) {
        std::size_t dot = s.find('.', start);
        if (dot == std::string_view::npos) {
            out.emplace_back(s.substr(start));
            break;
        }
        out.emplace_back(s.substr(start, dot - start));
        start = dot + 1;
    }
    return out;
}

bool parser::operand(ast::arg & out) {
    if (!term(out)) {
        return false;
    }
    if (peek().type != tok::field) {
        return true;
    }
    std::vector<std::string> fields;
    const std::size_t chain_pos = peek().pos;
    while (peek().type == tok::field) {
        fields.emplace_back(next().val.substr(1));
    }
    switch (out.kind) {
    case ast::arg_kind::field:
    case ast::arg_kind::variable:
        out.idents.insert(out.idents.end(), fields.begin(), fields.end());
        out.pos = chain_pos;  // Go positions a merged chain at its second field
        return true;
    case ast::arg_kind::boolean:
    case ast::arg_kind::string:
    case ast::arg_kind::number:
    case ast::arg_kind::nil:
    case ast::arg_kind::dot:
        errorf("unexpected . after term " + go_quote(ast::to_string(out)));
    default: {
        ast::arg chain;
        chain.kind = ast::arg_kind::chain;
        chain.pos = chain_pos;
        chain.idents = std::move(fields);
        if (out.kind == ast::arg_kind::pipe) {
            chain.sub = std::move(out.sub);
        } else {
            chain.base = std::make_unique<ast::arg>(std::move(out));
        }
        out = std::move(chain);
        return true;
    }
    }
}

bool parser::term(ast::arg & out) {
    token t = next_non_space();
    out.pos = t.pos;
    switch (t.type) {
    case tok::identifier:
        if (!is_function(t.val)) {
            errorf("function " + go_quote(t.val) + " not defined");
        }
        out.kind = ast::arg_kind::identifier;
        out.text = std::string(t.val);
        return true;
    case tok::dot: out.kind = ast::arg_kind::dot; return true;
    case tok::nil: out.kind = ast::arg_kind::nil; return true;
    case tok::variable: use_var(t, out); return true;
    case tok::field:
        out.kind = ast::arg_kind::field;
        out.idents = split_idents(t.val);
        return true;
    case tok::boolean:
        out.kind = ast::arg_kind::boolean;
        out.truth = t.val == "true";
        return true;
    case tok::char_constant:
    case tok::complex:
    case tok::number:
        out.kind = ast::arg_kind::number;
        out.text = std::string(t.val);
        out.num = number(t);
        return true;
    case tok::left_paren: {
        depth_guard guard(*this);
        out.kind = ast::arg_kind::pipe;
        out.sub = pipeline("parenthesized pipeline", tok::right_paren);
        return true;
    }
    case tok::string:
    case tok::raw_string:
        out.kind = ast::arg_kind::string;
        if (!go_unquote(t.val, out.text)) {
            errorf("invalid syntax");
        }
        return true;
    default:
        backup();
        return false;
    }
}

ast::number parser::number(const token & t) {
    ast::number n;
    if (t.type == tok::char_constant) {
        char32_t r = 0;
        if (!go_char_value(t.val, r)) {
            std::string ignored;
            // A well-formed escape followed by more text is Go's "malformed".
            const bool escaped_ok = t.val.size() > 3 && t.val[1] == '\\';
            const bool plain_ok = t.val.size() > 3 && t.val[1] != '\\';
            if (plain_ok || escaped_ok) {
                errorf("malformed character constant: " + std::string(t.val));
            }
            errorf("invalid syntax");
        }
        n.is_int = n.is_uint = n.is_float = true;
        n.i = r;
        n.u = r;
        n.f = r;
        return n;
    }
    if (t.type == tok::complex || t.val.back() == 'i') {
        errorf("complex constants are not supported: " + go_quote(t.val));
    }
    std::string text;
    if (!strip_underscores(t.val, text)) {
        errorf("illegal number syntax: " + go_quote(t.val));
    }
    n.is_uint = parse_go_uint(text, n.u);
    n.is_int = parse_go_int(text, n.i);
    if (n.is_int && n.i == 0) {
        n.is_uint = true;  // "-0"
        n.u = 0;
    }
    if (n.is_int) {
        n.is_float = true;
        n.f = static_cast<double>(n.i);
    } else if (n.is_uint) {
        n.is_float = true;
        n.f = static_cast<double>(n.u);
    } else if (parse_go_float(text, n.f)) {
        if (t.val.find_first_of(".eEpP") == std::string_view::npos) {
            errorf("integer overflow: " + go_quote(t.val));
        }
        n.is_float = true;
        if (n.f >= -9.2e18 && n.f <= 9.2e18 && static_cast<double>(static_cast<std::int64_t>(n.f)) == n.f) {
            n.is_int = true;
            n.i = static_cast<std::int64_t>(n.f);
        }
        if (n.f >= 0 && n.f <= 1.8e19 && static_cast<double>(static_cast<std::uint64_t>(n.f)) == n.f) {
            n.is_uint = true;
            n.u = static_cast<std::uint64_t>(n.f);
        }
    }
    if (!n.is_int && !n.is_uint && !n.is_float) {
        errorf("illegal number syntax: " + go_quote(t.val));
    }
    return n;
}

void parser::use_var(const token & t, ast::arg & out) {
    out.kind = ast::arg_kind::variable;
    out.idents = split_idents(t.val);
    for (const auto & v : vars_) {
        if (v == out.idents[0]) {
            return;
        }
    }
    errorf("undefined variable " + go_quote(out.idents[0]));
}

}  // namespace

parsed_template::parsed_template(std::unique_ptr<ast::tree_set> trees) : trees_(std::move(trees)) {}

parsed_template::~parsed_template() = default;

const std::string & parsed_template::source() const { return trees_->source; }

result<template_ptr> parse(std::string_view text) {
    try {
        parser p(text);
        return template_ptr(std::make_shared<const parsed_template>(p.run()));
    } catch (const parse_failure & f) {
        return make_error(errc::invalid_request, f.message);
    } catch (const std::bad_alloc &) {
        return make_error(errc::invalid_request, "template: out of memory while parsing");
    }
}

}  // namespace lokal::tmpl
