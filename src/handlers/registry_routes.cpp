// /api/pull and /api/push. The request is decoded, the registry host checked
// and (for a pull) the manifest fetched before anything is streamed, so that
// a bad name, an unknown model or a refused login is a plain JSON error with
// its status; the transfer then streams Ollama's progress objects, and a
// failure there is an NDJSON {"error": ...} line. With "stream": false the
// same work runs to the end and one object answers.
#include "handlers/registry_routes.h"

#include "handlers/audit_routes.h"
#include "handlers/models_common.h"
#include "registry/registry.h"
#include "store/store.h"

#include <memory>

namespace lokal::handlers {

namespace {

struct registry_request {
    store::model_name name;
    bool insecure = false;
    bool stream = true;
};

result<registry_request> decode(const http::request & req) {
    auto body = http::parse_json_body(req);
    if (!body) return body.err();
    auto model = models::model_field(*body);
    if (!model) return model.err();
    if (model->empty()) return make_error(errc::invalid_request, "model is required");
    auto name = store::parse_model_name(*model);
    if (!name) return make_error(errc::invalid_request, "invalid model name");
    auto insecure = models::bool_field(*body, "insecure");
    if (!insecure) return insecure.err();
    auto stream = models::bool_field(*body, "stream");
    if (!stream) return stream.err();
    return registry_request{std::move(*name), insecure->value_or(false), stream->value_or(true)};
}

result<std::unique_ptr<registry::session>> open_session(const std::string & auth_file, const registry_request & r) {
    return open_registry_session(auth_file, r.name, r.insecure);
}

std::string error_line(const error & e) {
    return http::json_line(json{{"error", e.message}});
}

// Runs work either unstreamed (one final object, or the error with its
// status) or streamed (NDJSON progress, then an error line on failure).
using registry_work = std::function<status(registry::session &, registry::reporter &)>;

void respond(const http::request & req, http::response & res, bool stream,
             std::shared_ptr<registry::session> s, registry_work work) {
    if (!stream) {
        json last;
        registry::reporter out([&last](const json & j) {
            last = j;
            return true;
        });
        // Still inside the handler call: the request's own close check is valid.
        s->set_cancel([&req] { return req.is_closed(); });
        auto st = work(*s, out);
        s->set_cancel({});
        if (!st) return http::set_error(res, st.err());
        return http::set_json(res, last);
    }
    res.status = 200;
    res.content_type = "application/x-ndjson";
    s->set_cancel({});  // the request object is gone once the handler returns
    res.stream = [s, work](http::stream_writer & w) {
        s->set_cancel([&w] { return !w.alive(); });
        registry::reporter out([&w](const json & j) {
            return w.write(http::json_line(j));
        });
        auto st = work(*s, out);
        if (!st && st.err().code != errc::canceled && !out.gone()) w.write(error_line(st.err()));
    };
}

}  // namespace

result<std::unique_ptr<registry::session>> open_registry_session(const std::string & auth_file,
                                                                 const store::model_name & name, bool insecure) {
    auto ep = registry::endpoint_for(name, insecure);
    if (!ep) return ep.err();
    auto creds = registry::load_auth_file(auth_file);
    if (!creds) return creds.err();
    return std::make_unique<registry::session>(*ep, std::move(*creds), registry::cancel_fn{});
}

void register_registry_routes(http::server & srv, context & ctx) {
    std::string auth_file = ctx.cfg.registry_auth_file;

    srv.route("POST", "/api/pull", audited(ctx, "pull", [&ctx, auth_file](const http::request & req, http::response & res) {
        auto r = decode(req);
        if (!r) return http::set_error(res, r.err());
        auto s = open_session(auth_file, *r);
        if (!s) return http::set_error(res, s.err());
        (*s)->set_cancel([&req] { return req.is_closed(); });
        auto rm = registry::fetch_manifest(**s, r->name);
        if (!rm) return http::set_error(res, rm.err());
        store::store * models = &ctx.models;
        auto manifest = std::make_shared<registry::remote_manifest>(std::move(*rm));
        store::model_name name = r->name;
        registry::pull_options opts{ctx.cfg.pull_parts, ctx.cfg.pull_part_size};
        respond(req, res, r->stream, std::shared_ptr<registry::session>(std::move(*s)),
                [models, manifest, name, opts](registry::session & sess, registry::reporter & out) -> status {
                    if (!out.status("pulling manifest")) return make_error(errc::canceled, "client gone");
                    return registry::pull_layers(*models, sess, name, *manifest, opts, out);
                });
    }));

    srv.route("POST", "/api/push", audited(ctx, "push", [&ctx, auth_file](const http::request & req, http::response & res) {
        auto r = decode(req);
        if (!r) return http::set_error(res, r.err());
        if (auto m = ctx.models.read_manifest(r->name); !m) return http::set_error(res, m.err());
        auto s = open_session(auth_file, *r);
        if (!s) return http::set_error(res, s.err());
        store::store * models = &ctx.models;
        store::model_name name = r->name;
        registry::push_options opts{ctx.cfg.push_chunk_size};
        respond(req, res, r->stream, std::shared_ptr<registry::session>(std::move(*s)),
                [models, name, opts](registry::session & sess, registry::reporter & out) -> status {
                    return registry::push_model(*models, sess, name, opts, out);
                });
    }));
}

}  // namespace lokal::handlers
