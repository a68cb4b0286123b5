// What Ollama reads off a template's parse tree to parse model output: the
// tool-call tag (tools/template.go parseTag) and the thinking tags
// (thinking/template.go InferTags). Both walk the tree exactly as Ollama's
// heuristics do, so a model gets the same parser here as there.
#include "template/ast.h"
#include "template/ollama.h"

#include <string_view>

namespace lokal::tmpl {

namespace {

std::string trim_space(std::string_view s) {
    const char * ws = " \t\n\r\v\f";
    auto b = s.find_first_not_of(ws);
    if (b == std::string_view::npos) return "";
    auto e = s.find_last_not_of(ws);
    return std::string(s.substr(b, e - b + 1));
}

// An {{if}} whose pipeline reads a field named ToolCalls.
bool is_tool_calls_if(const ast::node & n) {
    if (!n.p) return false;
    for (const auto & c : n.p->cmds) {
        for (const auto & a : c.args) {
            if (a.kind != ast::arg_kind::field) continue;
            for (const auto & id : a.idents) {
                if (id == "ToolCalls") return true;
            }
        }
    }
    return false;
}

const ast::node * find_tool_call_if(const ast::list & l, int depth) {
    if (depth > 256) return nullptr;
    for (const auto & n : l.nodes) {
        if (n.kind != ast::node_kind::if_ && n.kind != ast::node_kind::range && n.kind != ast::node_kind::with) continue;
        if (n.kind == ast::node_kind::if_ && is_tool_calls_if(n)) return &n;
        if (n.body) {
            if (auto * r = find_tool_call_if(*n.body, depth + 1)) return r;
        }
        if (n.else_body) {
            if (auto * r = find_tool_call_if(*n.else_body, depth + 1)) return r;
        }
    }
    return nullptr;
}

// The first non-blank text, depth first, stopping at the first action or
// after the first control structure (text after it may follow the calls).
const std::string * find_text(const ast::list & l, int depth) {
    if (depth > 256) return nullptr;
    for (const auto & n : l.nodes) {
        switch (n.kind) {
        case ast::node_kind::text:
            if (trim_space(n.text).empty()) continue;
            return &n.text;
        case ast::node_kind::if_:
        case ast::node_kind::range:
        case ast::node_kind::with:
            if (n.body) {
                if (auto * t = find_text(*n.body, depth + 1)) return t;
            }
            if (n.else_body) {
                if (auto * t = find_text(*n.else_body, depth + 1)) return t;
            }
            return nullptr;
        case ast::node_kind::action: return nullptr;
        default: continue;
        }
    }
    return nullptr;
}

// InferTags: a walk that remembers the enclosing lists and ranges.
struct tag_walk {
    std::vector<const ast::list *> lists;
    std::vector<const ast::node *> ranges;
    std::string open, close;

    static bool pipe_has_field(const ast::pipe & p, const char * name, int depth) {
        if (depth > 256) return false;
        for (const auto & c : p.cmds) {
            for (const auto & a : c.args) {
                if (a.kind == ast::arg_kind::field && !a.idents.empty() && a.idents[0] == name) return true;
                if (a.kind == ast::arg_kind::pipe && a.sub && pipe_has_field(*a.sub, name, depth + 1)) return true;
            }
        }
        return false;
    }

    void on_thinking_field() {
        if (ranges.empty() || !ranges.back()->p || !pipe_has_field(*ranges.back()->p, "Messages", 0)) return;
        if (lists.empty() || lists.back()->nodes.empty()) return;
        const auto & nodes = lists.back()->nodes;
        if (nodes.front().kind == ast::node_kind::text) open = trim_space(nodes.front().text);
        if (nodes.back().kind == ast::node_kind::text) close = trim_space(nodes.back().text);
    }

    void pipe(const ast::pipe & p, int depth) {
        if (depth > 256) return;
        for (const auto & c : p.cmds) {
            for (const auto & a : c.args) {
                if (a.kind == ast::arg_kind::field && !a.idents.empty() && a.idents[0] == "Thinking") on_thinking_field();
                if (a.kind == ast::arg_kind::pipe && a.sub) pipe(*a.sub, depth + 1);
            }
        }
    }

    void list(const ast::list & l, int depth) {
        if (depth > 256) return;
        lists.push_back(&l);
        for (const auto & n : l.nodes) {
            bool is_range = n.kind == ast::node_kind::range;
            if (is_range) ranges.push_back(&n);
            if (n.p) pipe(*n.p, depth + 1);
            if (n.body) list(*n.body, depth + 1);
            if (n.else_body) list(*n.else_body, depth + 1);
            if (is_range) ranges.pop_back();
        }
        lists.pop_back();
    }
};

}  // namespace

std::string tool_call_tag(const parsed_template & t) {
    const ast::node * n = find_tool_call_if(t.trees().root, 0);
    if (!n || !n->body) return "{";
    const std::string * text = find_text(*n->body, 0);
    if (!text) return "{";
    std::string tag;
    for (size_t i = 0; i < text->size(); ++i) {
        if ((*text)[i] == '\r' && i + 1 < text->size() && (*text)[i + 1] == '\n') continue;
        tag += (*text)[i];
    }
    tag = trim_space(tag.substr(0, tag.find('{')));
    return tag.empty() ? "{" : tag;
}

std::pair<std::string, std::string> thinking_tags(const parsed_template & t) {
    tag_walk w;
    w.list(t.trees().root, 0);
    return {w.open, w.close};
}

}  // namespace lokal::tmpl
