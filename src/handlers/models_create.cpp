// POST /api/create in Ollama's JSON form. The request is decoded and the
// whole create is planned (and every input checked) before anything is
// sent, so input errors are 4xx JSON errors; the writing then streams
// Ollama's status lines, and a failure there is an NDJSON {"error": ...}.
// A `from` model missing from the store is pulled first (Ollama does the
// same); its manifest is fetched before streaming, the plan made after the
// pull, so errors of that plan arrive as NDJSON.
#include "api/options.h"
#include "engine/quantize.h"
#include "handlers/models_common.h"
#include "handlers/registry_routes.h"
#include "registry/registry.h"
#include "store/create.h"
#include "store/store.h"
#include "template/named.h"

#include <algorithm>
#include <cctype>
#include <memory>
#include <optional>

namespace lokal::handlers::models {

namespace {

error bad(const std::string & msg) { return make_error(errc::invalid_request, msg); }
std::string unsupported_type(const std::string & given);

status string_map(const json & body, const char * key, std::vector<std::pair<std::string, std::string>> & out) {
    auto it = body.find(key);
    if (it == body.end() || it->is_null()) return {};
    if (!it->is_object()) return bad(std::string("invalid value for \"") + key + "\": must be an object");
    for (auto e = it->begin(); e != it->end(); ++e) {
        if (!e.value().is_string()) {
            return bad(std::string("invalid value for \"") + key + "\": digests must be strings");
        }
        out.emplace_back(e.key(), e.value().get<std::string>());
    }
    return {};
}

status decode_license(const json & body, std::vector<std::string> & out) {
    auto it = body.find("license");
    if (it == body.end() || it->is_null()) return {};
    if (it->is_string()) {
        if (!it->get<std::string>().empty()) out.push_back(it->get<std::string>());
        return {};
    }
    if (!it->is_array()) return bad("invalid value for \"license\": must be a string or a list of strings");
    for (const auto & l : *it) {
        if (!l.is_string()) return bad("invalid value for \"license\": must be a string or a list of strings");
        out.push_back(l.get<std::string>());
    }
    return {};
}

status decode_messages(const json & body, json & out) {
    auto it = body.find("messages");
    if (it == body.end() || it->is_null()) return {};
    if (!it->is_array()) return bad("invalid value for \"messages\": must be a list");
    out = json::array();
    for (const auto & m : *it) {
        auto role = m.is_object() ? m.find("role") : m.end();
        auto content = m.is_object() ? m.find("content") : m.end();
        if (!m.is_object() || role == m.end() || !role->is_string() ||
            (content != m.end() && !content->is_null() && !content->is_string())) {
            return bad("invalid value for \"messages\": each needs a string role and content");
        }
        std::string text = content != m.end() && content->is_string() ? content->get<std::string>() : std::string();
        out.push_back(json{{"role", *role}, {"content", text}});
    }
    return {};
}

// Checked like a request's options; kept as given (Ollama stores the map).
status decode_parameters(const json & body, json & out) {
    auto it = body.find("parameters");
    if (it == body.end() || it->is_null()) return {};
    if (!it->is_object()) return bad("invalid value for \"parameters\": must be an object");
    api::options scratch;
    if (auto st = api::apply_json(scratch, *it); !st) return st;
    out = json::object();
    for (auto e = it->begin(); e != it->end(); ++e) {
        if (!e.value().is_null()) out[e.key()] = e.value();
    }
    return {};
}

// "draft": an existing model's name, or {"file.gguf": "sha256:..."} like "files".
status decode_draft(const json & body, store::create_request & r) {
    auto it = body.find("draft");
    if (it == body.end() || it->is_null()) return {};
    if (it->is_string()) {
        auto name = store::parse_model_name(it->get<std::string>());
        if (!name) return bad("invalid draft model name");
        r.draft_from = std::move(*name);
        return {};
    }
    return string_map(body, "draft", r.draft_files);
}

status decode_strings(const json & body, store::create_request & r) {
    struct field {
        const char * key;
        std::string * dst;
    };
    std::string tmpl, system;
    for (auto [key, dst] : {field{"template", &tmpl}, field{"system", &system}, field{"renderer", &r.renderer},
                            field{"parser", &r.parser}, field{"requires", &r.requires_version}}) {
        auto v = string_field(body, key);
        if (!v) return v.err();
        *dst = std::move(*v);
    }
    if (!tmpl.empty()) r.template_text = std::move(tmpl);
    if (!system.empty()) r.system = std::move(system);
    return {};
}

// Ollama's template detection, over the named templates lokal was built with.
std::optional<store::detected_template> detect_named_template(const std::string & jinja) {
    const tmpl::named_template * t = tmpl::match_named(jinja);
    if (!t) return std::nullopt;
    store::detected_template d{std::string(t->name), std::string(t->go_template), nullptr};
    if (!t->params.empty()) d.params = json::parse(t->params, nullptr, false);
    if (d.params.is_discarded()) d.params = nullptr;
    return d;
}

result<store::create_request> decode(const json & body) {
    store::create_request r;
    r.detect_template = detect_named_template;
    auto model = model_field(body);
    if (!model) return model.err();
    auto name = store::parse_model_name(*model);
    if (!name) return bad("invalid model name");
    r.name = std::move(*name);
    for (const char * key : {"quantize", "quantization"}) {
        auto q = string_field(body, key);
        if (!q) return q.err();
        if (q->empty() || !r.quantize.empty()) continue;
        r.quantize = engine::canonical_quantize_type(*q);
        if (r.quantize.empty()) return bad(unsupported_type(*q));
    }
    auto from = string_field(body, "from");
    if (!from) return from.err();
    if (!from->empty()) {
        auto f = store::parse_model_name(*from);
        if (!f) return bad("invalid model name");
        r.from = std::move(*f);
    }
    if (auto st = string_map(body, "files", r.files); !st) return st.err();
    if (auto st = string_map(body, "adapters", r.adapters); !st) return st.err();
    if (auto st = decode_draft(body, r); !st) return st.err();
    if (auto st = decode_strings(body, r); !st) return st.err();
    if (auto st = decode_license(body, r.license); !st) return st.err();
    if (auto st = decode_messages(body, r.messages); !st) return st.err();
    if (auto st = decode_parameters(body, r.parameters); !st) return st.err();
    return r;
}

std::string status_line(const std::string & s) { return http::json_line(json{{"status", s}}); }

// Ollama's ParseFileType error, listing what lokal offers.
std::string unsupported_type(const std::string & given) {
    std::string upper = given;
    std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
    std::string list;
    for (const auto & t : engine::quantize_types()) list += (list.empty() ? "" : ", ") + t;
    return "unsupported quantization type " + upper + " - supported types are " + list;
}

store::quantizer quantizer_for(int threads, std::function<bool(const json &)> report) {
    store::quantizer q;
    q.run = [threads](const std::string & in, const std::string & source, const std::string & out,
                      const std::string & type, const std::function<void(double)> & progress) {
        return engine::quantize_model(in, source, out, type, threads, progress);
    };
    q.report = std::move(report);
    return q;
}

// A `from` model that is not in the store is pulled first, as Ollama's
// create does; "insecure" (as in /api/pull) allows a plain-http registry.
// The manifest is fetched before anything streams, so a model the registry
// lacks is a plain 404.
struct base_pull {
    std::shared_ptr<registry::session> session;
    std::shared_ptr<registry::remote_manifest> manifest;
    store::model_name name;
    registry::pull_options opts;
};

result<std::optional<base_pull>> prepare_base_pull(context & ctx, const http::request & req, const json & body,
                                                   const store::create_request & r) {
    if (!r.from || !r.files.empty()) return std::optional<base_pull>();
    auto local = ctx.models.read_manifest(*r.from);
    if (local || local.err().code != errc::not_found) return std::optional<base_pull>();
    auto insecure = bool_field(body, "insecure");
    if (!insecure) return insecure.err();
    auto s = open_registry_session(ctx.cfg.registry_auth_file, *r.from, insecure->value_or(false));
    if (!s) return s.err();
    (*s)->set_cancel([&req] { return req.is_closed(); });
    auto rm = registry::fetch_manifest(**s, *r.from);
    (*s)->set_cancel({});
    if (!rm) return rm.err();
    return std::optional<base_pull>(base_pull{std::move(*s), std::make_shared<registry::remote_manifest>(std::move(*rm)),
                                              *r.from, {ctx.cfg.pull_parts, ctx.cfg.pull_part_size}});
}

// Pull, then plan and create: what create() does with the plan first, once
// the base model is in the store. Errors after the first line are NDJSON.
void create_after_pull(context & ctx, http::response & res, bool stream, std::shared_ptr<store::create_request> r,
                       base_pull pull) {
    store::store * models = &ctx.models;
    int threads = ctx.cfg.num_threads;
    auto work = [models, threads, r, pull](const std::function<bool(const json &)> & emit) -> status {
        registry::reporter out(emit);
        if (!out.status("pulling manifest")) return make_error(errc::canceled, "client gone");
        if (auto p = registry::pull_layers(*models, *pull.session, pull.name, *pull.manifest, pull.opts, out); !p) return p;
        auto plan = store::plan_create(*models, *r);
        if (!plan) return plan.err();
        auto q = quantizer_for(threads, emit);
        return store::execute_create(*models, *plan, [&emit](const std::string & s) { return emit(json{{"status", s}}); }, &q);
    };
    if (!stream) {
        auto st = work([](const json &) { return true; });
        if (!st) return http::set_error(res, st.err());
        return http::set_json(res, json{{"status", "success"}});
    }
    res.status = 200;
    res.content_type = "application/x-ndjson";
    res.stream = [work, pull](http::stream_writer & w) {
        pull.session->set_cancel([&w] { return !w.alive(); });
        auto st = work([&w](const json & j) { return w.write(http::json_line(j)); });
        if (!st && st.err().code != errc::canceled) {
            w.write(http::json_line(json{{"error", st.err().message}}));
        }
    };
}

}  // namespace

void create(context & ctx, const http::request & req, http::response & res) {
    auto body = http::parse_json_body(req);
    if (!body) return http::set_error(res, body.err());
    auto stream = bool_field(*body, "stream");
    if (!stream) return http::set_error(res, stream.err());
    auto r = decode(*body);
    if (!r) return http::set_error(res, r.err());
    auto pull = prepare_base_pull(ctx, req, *body, *r);
    if (!pull) return http::set_error(res, pull.err());
    if (*pull) {
        return create_after_pull(ctx, res, stream->value_or(true), std::make_shared<store::create_request>(std::move(*r)),
                                 std::move(**pull));
    }
    auto plan = store::plan_create(ctx.models, *r);
    if (!plan) return http::set_error(res, plan.err());

    if (!stream->value_or(true)) {
        auto q = quantizer_for(ctx.cfg.num_threads, [](const json &) { return true; });
        auto st = store::execute_create(ctx.models, *plan, [](const std::string &) { return true; }, &q);
        if (!st) return http::set_error(res, st.err());
        return http::set_json(res, json{{"status", "success"}});
    }
    auto shared = std::make_shared<store::create_plan>(std::move(*plan));
    store::store * models = &ctx.models;
    res.status = 200;
    res.content_type = "application/x-ndjson";
    int threads = ctx.cfg.num_threads;
    res.stream = [models, shared, threads](http::stream_writer & w) {
        auto q = quantizer_for(threads, [&w](const json & j) { return w.write(http::json_line(j)); });
        auto st = store::execute_create(*models, *shared, [&w](const std::string & s) { return w.write(status_line(s)); }, &q);
        if (!st && st.err().code != errc::canceled) {
            w.write(http::json_line(json{{"error", st.err().message}}));
        }
    };
}

}  // namespace lokal::handlers::models
