// Ollama's template.Execute and chatPrompt, step for step: which data a
// template sees depends on whether it mentions .Messages; templates that do
// not are run once per conversation turn with .System/.Prompt/.Response and
// the last turn is cut right after its .Response.
#include "template/ollama.h"

#include "template/ast.h"

#include <algorithm>
#include <cctype>

namespace lokal::tmpl {

namespace {

status collect_pipe(const ast::pipe & p, std::vector<std::string> & out);

status collect_arg(const ast::arg & a, std::vector<std::string> & out) {
    switch (a.kind) {
    case ast::arg_kind::field:
    case ast::arg_kind::variable:
        out.insert(out.end(), a.idents.begin(), a.idents.end());
        return {};
    case ast::arg_kind::pipe: return collect_pipe(*a.sub, out);
    default: return {};  // Ollama's walk skips chains and literals
    }
}

status collect_pipe(const ast::pipe & p, std::vector<std::string> & out) {
    for (const auto & c : p.cmds) {
        for (const auto & a : c.args) {
            if (status s = collect_arg(a, out); !s) {
                return s;
            }
        }
    }
    return {};
}

status collect_list(const ast::list & l, std::vector<std::string> & out) {
    for (const auto & n : l.nodes) {
        status s;
        switch (n.kind) {
        case ast::node_kind::template_call:
            if (!n.p) {
                return make_error(errc::invalid_request, "undefined template specified");
            }
            s = collect_pipe(*n.p, out);
            break;
        case ast::node_kind::action: s = collect_pipe(*n.p, out); break;
        case ast::node_kind::if_:
        case ast::node_kind::range:
        case ast::node_kind::with:
            s = collect_pipe(*n.p, out);
            if (s && n.body) {
                s = collect_list(*n.body, out);
            }
            if (s && n.else_body) {
                s = collect_list(*n.else_body, out);
            }
            break;
        default: break;
        }
        if (!s) {
            return s;
        }
    }
    return {};
}

bool contains(const std::vector<std::string> & v, std::string_view s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

// The {{ .Response }} action Ollama appends to templates that mention
// neither .Messages nor .Response.
ast::node response_action() {
    ast::arg field;
    field.kind = ast::arg_kind::field;
    field.idents = {"Response"};
    ast::command cmd;
    cmd.args.push_back(std::move(field));
    ast::node n;
    n.kind = ast::node_kind::action;
    n.p = std::make_unique<ast::pipe>();
    n.p->cmds.push_back(std::move(cmd));
    return n;
}

// Ollama's deleteNode: keeps everything up to the first .Response field of an
// action and drops what follows, with the same quirks (a command left
// without arguments drops its whole action; Go panics when the cut happens
// inside a branch that has an else).
class response_cutter {
public:
    status cut_list(ast::list & l) {
        std::vector<ast::node> kept;
        for (auto & n : l.nodes) {
            bool keep = false;
            if (status s = cut_node(n, keep); !s) {
                return s;
            }
            if (keep) {
                kept.push_back(std::move(n));
            }
        }
        l.nodes = std::move(kept);
        return {};
    }

private:
    status cut_node(ast::node & n, bool & keep) {
        keep = !cut_;
        if (cut_) {
            return {};
        }
        switch (n.kind) {
        case ast::node_kind::action: keep = cut_pipe(*n.p); return {};
        case ast::node_kind::if_:
        case ast::node_kind::range:
        case ast::node_kind::with:
            if (status s = cut_list(*n.body); !s) {
                return s;
            }
            if (n.else_body) {
                if (cut_) {
                    return make_error(errc::internal,
                                      "interface conversion: parse.Node is nil, not *parse.ListNode");
                }
                return cut_list(*n.else_body);
            }
            return {};
        default: return {};
        }
    }

    // Returns false when the pipe is to be dropped.
    bool cut_pipe(ast::pipe & p) {
        if (cut_) {
            return false;
        }
        for (auto & c : p.cmds) {
            std::vector<ast::arg> args;
            for (auto & a : c.args) {
                if (cut_arg(a)) {
                    args.push_back(std::move(a));
                }
            }
            if (args.empty()) {
                return false;
            }
            c.args = std::move(args);
        }
        return true;
    }

    bool cut_arg(ast::arg & a) {
        if (a.kind == ast::arg_kind::field && contains(a.idents, "Response")) {
            cut_ = true;
            return true;
        }
        if (cut_) {
            return false;
        }
        if (a.kind == ast::arg_kind::pipe) {
            return cut_pipe(*a.sub);
        }
        return true;
    }

    bool cut_ = false;
};

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

// Ollama's collate: all system contents joined, and consecutive messages of
// one role (except tool) merged into the first.
std::string collate(const std::vector<chat_turn> & msgs, std::vector<chat_turn> & collated) {
    std::string system;
    bool any_system = false;
    for (const auto & m : msgs) {
        if (m.role == "system") {
            system += (any_system ? "\n\n" : "") + m.content;
            any_system = true;
        }
        if (!collated.empty() && collated.back().role == m.role && m.role != "tool") {
            collated.back().content += "\n\n" + m.content;
        } else {
            collated.push_back(m);
        }
    }
    return system;
}

// One prompt rendering with a shared budget: every execution of a legacy
// template draws on the same limits.
class ollama_renderer {
public:
    // `steps` is shared by all renderings of one request, so that
    // truncation's repeated renders stay within one budget.
    ollama_renderer(const parsed_template & t, const limits & lim, std::size_t & steps)
        : t_(t), lim_(lim), steps_(steps) {}

    // Ollama's Template.Execute for Values{Messages, Tools, Prompt, Suffix, Think}.
    status execute(const std::vector<chat_turn> & messages, const json & tools, const std::string & prompt,
                   const std::string & suffix, const std::optional<json> & think, std::string & out);

private:
    status run(const json & data, const exec_options & base, std::string & out);
    status legacy(const std::vector<chat_turn> & collated, const std::optional<json> & think, std::string & out);

    const parsed_template & t_;
    limits lim_;
    std::size_t & steps_;
    ast::list full_;  // the template with Ollama's appended {{ .Response }}, when it applies
    bool have_full_ = false;
};

status ollama_renderer::run(const json & data, const exec_options & base, std::string & out) {
    exec_options o = base;
    o.data_type = ollama_values_type();
    o.steps_used = &steps_;
    if (o.root == nullptr && have_full_) {
        o.root = &full_;
    }
    o.output_before = out.size();
    result<std::string> r = tmpl::execute(t_, data, o, lim_);
    if (!r) {
        return r.err();
    }
    out += *r;
    return {};
}

status ollama_renderer::execute(const std::vector<chat_turn> & messages, const json & tools, const std::string & prompt,
                                const std::string & suffix, const std::optional<json> & think, std::string & out) {
    std::vector<chat_turn> collated;
    const std::string system = collate(messages, collated);
    result<std::vector<std::string>> vars = template_vars(t_);
    if (!vars) {
        return vars.err();
    }
    if (!contains(*vars, "messages") && !contains(*vars, "response")) {
        full_ = t_.trees().root.clone();
        full_.nodes.push_back(response_action());
        have_full_ = true;
    }
    if (!prompt.empty() && !suffix.empty()) {
        json data = json::object();
        data["Prompt"] = prompt;
        data["Suffix"] = suffix;
        data["Response"] = "";
        add_think_values(data, think);
        return run(data, exec_options{}, out);
    }
    if (contains(*vars, "messages")) {
        return run(ollama_chat_values(collated, system, tools, think), exec_options{}, out);
    }
    return legacy(collated, think, out);
}

status ollama_renderer::legacy(const std::vector<chat_turn> & collated, const std::optional<json> & think,
                               std::string & out) {
    std::string system;
    std::string prompt;
    std::string response;
    auto values = [&] {
        json data = json::object();
        data["System"] = system;
        data["Prompt"] = prompt;
        data["Response"] = response;
        add_think_values(data, think);
        return data;
    };
    auto turn = [&]() -> status {
        status s = run(values(), exec_options{}, out);
        system.clear();
        prompt.clear();
        response.clear();
        return s;
    };
    for (const auto & m : collated) {
        status s;
        if (m.role == "system") {
            if (!prompt.empty() || !response.empty()) {
                s = turn();
            }
            system = m.content;
        } else if (m.role == "user") {
            if (!response.empty()) {
                s = turn();
            }
            prompt = m.content;
        } else if (m.role == "assistant") {
            response = m.content;
        }
        if (!s) {
            return s;
        }
    }
    // The open turn ends at its .Response, run as Ollama runs it: a bare
    // template (no extra functions, no definitions, default missingkey).
    ast::list cut = (have_full_ ? full_ : t_.trees().root).clone();
    if (status s = response_cutter().cut_list(cut); !s) {
        return s;
    }
    exec_options o;
    o.root = &cut;
    o.missingkey_zero = false;
    o.ollama_funcs = false;
    o.definitions = false;
    return run(values(), o, out);
}

}  // namespace

result<std::vector<std::string>> template_vars(const parsed_template & t) {
    std::vector<std::string> ids;
    if (status s = collect_list(t.trees().root, ids); !s) {
        return s.err();
    }
    for (const auto & [name, body] : t.trees().defined) {
        if (status s = collect_list(body, ids); !s) {
            return s.err();
        }
    }
    for (auto & id : ids) {
        id = lower(id);
    }
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    return ids;
}

namespace {

// Ollama's chatPrompt over already assembled messages.
result<rendered_prompt> chat_prompt(const parsed_template & t, const std::vector<chat_turn> & msgs,
                                    const json & tools, const render_options & opts) {
    rendered_prompt res;
    std::size_t steps = 0;
    if (opts.count_tokens && !msgs.empty()) {
        auto tokens = [&](std::size_t i) -> result<std::size_t> {
            std::string p;
            ollama_renderer r(t, opts.lim, steps);
            if (status s = r.execute(kept_messages(msgs, i), tools, "", "", opts.think, p); !s) {
                return s.err();
            }
            result<std::size_t> n = opts.count_tokens(p);
            if (!n) {
                return n.err();
            }
            std::size_t ctx = *n;
            for (std::size_t j = i; j < msgs.size(); ++j) {
                ctx += opts.image_tokens * msgs[j].images.size();
            }
            return ctx;
        };
        result<std::size_t> first = first_message_to_keep(msgs.size(), opts.num_ctx, tokens);
        if (!first) {
            return first.err();
        }
        res.first_message = *first;
    }
    // Images are tagged (and counted) from the first kept message on; the
    // system messages kept from before it go in untagged.
    std::vector<chat_turn> tagged = msgs;
    res.images = tag_images(tagged, res.first_message);
    ollama_renderer r(t, opts.lim, steps);
    if (status s = r.execute(kept_messages(tagged, res.first_message), tools, "", "", opts.think, res.prompt); !s) {
        return s.err();
    }
    return res;
}

}  // namespace

result<std::size_t> first_message_to_keep(std::size_t count, std::size_t num_ctx,
                                          const std::function<result<std::size_t>(std::size_t)> & tokens) {
    for (std::size_t i = 0; i + 1 < count; ++i) {
        result<std::size_t> n = tokens(i);
        if (!n) {
            return n.err();
        }
        if (*n <= num_ctx) {
            return i;
        }
    }
    return count == 0 ? 0 : count - 1;
}

result<rendered_prompt> render_chat_full(const parsed_template & t, const std::vector<chat_turn> & messages,
                                         const render_options & opts) {
    std::vector<chat_turn> msgs = messages;
    for (auto & m : msgs) {
        m.role = lower(m.role);  // api.Message lowercases roles as it decodes them
    }
    const std::size_t first = opts.first_request_message;
    if (!opts.system.empty() && (first >= msgs.size() || msgs[first].role != "system")) {
        chat_turn sys;
        sys.role = "system";
        sys.content = opts.system;
        msgs.insert(msgs.begin(), std::move(sys));
    }
    return chat_prompt(t, msgs, opts.tools, opts);
}

result<std::string> render_chat(const parsed_template & t, const std::vector<chat_turn> & messages,
                                const render_options & opts) {
    result<rendered_prompt> r = render_chat_full(t, messages, opts);
    if (!r) {
        return r.err();
    }
    return std::move(r->prompt);
}

result<std::string> render_generate(const parsed_template & t, const std::string & system, const std::string & prompt,
                                    const std::string & suffix, const render_options & opts) {
    result<rendered_prompt> r = render_generate_full(t, system, prompt, suffix, opts);
    if (!r) {
        return r.err();
    }
    return std::move(r->prompt);
}

result<rendered_prompt> render_generate_full(const parsed_template & t, const std::string & system,
                                             const std::string & prompt, const std::string & suffix,
                                             const render_options & opts) {
    if (!suffix.empty()) {
        rendered_prompt out;
        std::size_t steps = 0;
        ollama_renderer r(t, opts.lim, steps);
        if (status s = r.execute({}, nullptr, prompt, suffix, opts.think, out.prompt); !s) {
            return s.err();
        }
        return out;
    }
    std::vector<chat_turn> msgs;
    if (!system.empty()) {
        msgs.push_back(chat_turn{"system", system, "", {}, nullptr, "", ""});
    }
    msgs.insert(msgs.end(), opts.history.begin(), opts.history.end());
    msgs.push_back(chat_turn{"user", prompt, "", opts.images, nullptr, "", ""});
    return chat_prompt(t, msgs, json::array(), opts);
}

}  // namespace lokal::tmpl
