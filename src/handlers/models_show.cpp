// POST /api/show: what a model is made of, as Ollama shows it.
#include "api/options.h"
#include "handlers/model_prep.h"
#include "handlers/models_common.h"
#include "store/capabilities.h"
#include "store/gguf.h"
#include "store/modelfile.h"
#include "store/store.h"

namespace lokal::handlers::models {

namespace {

struct show_request {
    std::string model;
    bool verbose = false;
    std::string system;     // overrides the model's SYSTEM in the answer
    json options = nullptr; // merged into the Modelfile's PARAMETERs, as Ollama does
};

result<show_request> parse_show(const json & body) {
    show_request r;
    auto model = model_field(body);
    if (!model) return model.err();
    if (model->empty()) return make_error(errc::invalid_request, "model is required");
    r.model = std::move(*model);
    auto verbose = bool_field(body, "verbose");
    if (!verbose) return verbose.err();
    r.verbose = verbose->value_or(false);
    auto system = string_field(body, "system");
    if (!system) return system.err();
    r.system = std::move(*system);
    if (auto it = body.find("options"); it != body.end() && !it->is_null()) {
        if (!it->is_object()) return make_error(errc::invalid_request, "invalid value for \"options\": must be an object");
        r.options = *it;
    }
    return r;
}

std::string cfg_string(const json & config, const char * key) {
    if (!config.is_object()) return {};
    auto it = config.find(key);
    return it != config.end() && it->is_string() ? it->get<std::string>() : std::string();
}

result<store::gguf::file> read_gguf(const std::string & path, bool verbose) {
    store::gguf::limits lim;
    if (verbose) lim.materialise_array = UINT64_MAX;
    auto f = store::gguf::read_file(path, lim);
    if (!f) return make_error(errc::internal, "reading " + path + ": " + f.err().message);
    return f;
}

std::string modelfile_text(const store::model_record & rec, const std::string & system, const json & params) {
    store::modelfile_view v;
    v.short_name = rec.name.display_short();
    v.model_path = rec.model_path;
    v.adapter_paths = rec.adapter_paths;
    v.projector_path = rec.projector_path;
    v.draft_path = rec.draft_path;
    v.template_text = rec.template_text.value_or("");
    v.system = system;
    v.renderer = cfg_string(rec.config, "renderer");
    v.parser = cfg_string(rec.config, "parser");
    v.params = params;
    v.license = rec.license;
    v.messages = rec.messages;
    return store::render_modelfile(v);
}

// The template a model runs with: its TEMPLATE layer, else the GGUF's chat
// template, else Ollama's default.
std::string effective_template(const store::model_record & rec, const store::gguf::file * g) {
    if (rec.template_text) return *rec.template_text;
    if (g != nullptr && !g->chat_template().empty()) return g->chat_template();
    return "{{ .Prompt }}";
}

json show_body(const store::model_record & rec, const show_request & r, const store::gguf::file * g,
               const json & projector_info) {
    std::string system = !r.system.empty() ? r.system : rec.system.value_or("");
    json params = rec.params.is_object() ? rec.params : json::object();
    json modelfile_params = params;
    if (r.options.is_object()) {
        for (auto it = r.options.begin(); it != r.options.end(); ++it) modelfile_params[it.key()] = it.value();
    }
    json details = details_from_config(rec.config);
    details["parent_model"] = rec.parent_model;

    json out = json::object();
    std::string license;
    for (const auto & l : rec.license) license += (license.empty() ? "" : "\n") + l;
    if (!license.empty()) out["license"] = license;
    out["modelfile"] = modelfile_text(rec, system, modelfile_params);
    if (std::string p = store::format_parameters(params); !p.empty()) out["parameters"] = p;
    out["template"] = effective_template(rec, g);
    if (!system.empty()) out["system"] = system;
    if (std::string s = cfg_string(rec.config, "renderer"); !s.empty()) out["renderer"] = s;
    if (std::string s = cfg_string(rec.config, "parser"); !s.empty()) out["parser"] = s;
    out["details"] = std::move(details);
    if (!rec.messages.empty()) out["messages"] = rec.messages;
    out["model_info"] = g != nullptr ? g->model_info(r.verbose) : json::object();
    if (!projector_info.is_null()) out["projector_info"] = projector_info;
    if (g != nullptr && !g->tensors.empty()) out["tensors"] = g->tensors_json();
    std::vector<std::string> caps = store::model_capabilities(rec, g);
    if (!caps.empty()) out["capabilities"] = caps;
    out["modified_at"] = format_modified(rec.modified);
    if (std::string s = cfg_string(rec.config, "requires"); !s.empty()) out["requires"] = s;
    return out;
}

}  // namespace

void show(context & ctx, const http::request & req, http::response & res) {
    auto body = http::parse_json_body(req);
    if (!body) return http::set_error(res, body.err());
    auto r = parse_show(*body);
    if (!r) return http::set_error(res, r.err());
    auto name = store::parse_model_name(r->model);
    if (!name) return http::set_error(res, make_error(errc::invalid_request, "invalid model name"));
    auto rec = ctx.models.resolve(*name);
    if (!rec) {
        if (rec.err().code == errc::not_found) {
            // As given, like Ollama's other routes and the brief; Ollama v0.33's
            // show alone prints the expanded name ("model 'x:latest' not found").
            return http::set_error(res, make_error(errc::not_found, "model '" + r->model + "' not found"));
        }
        return http::set_error(res, rec.err());
    }
    std::optional<store::gguf::file> g;
    if (!rec->model_path.empty()) {
        auto f = read_gguf(rec->model_path, r->verbose);
        if (!f) return http::set_error(res, f.err());
        g = std::move(*f);
    }
    json projector_info = nullptr;
    if (!rec->projector_path.empty()) {
        auto p = read_gguf(rec->projector_path, r->verbose);
        if (!p) return http::set_error(res, p.err());
        projector_info = p->model_info(r->verbose);
    }
    http::set_json(res, show_body(*rec, *r, g ? &*g : nullptr, projector_info));
}

}  // namespace lokal::handlers::models
