// The model routes: GET /api/tags, POST /api/show, POST /api/copy,
// DELETE /api/delete, HEAD and POST /api/blobs/:digest, POST /api/create,
// with Ollama's fields, status codes and error bodies. show and create live
// in models_show.cpp and models_create.cpp.
#include "api/requests.h"
#include "handlers/audit_routes.h"
#include "handlers/model_prep.h"
#include "handlers/models_common.h"
#include "handlers/native.h"
#include "handlers/routes.h"
#include "store/digest.h"
#include "store/store.h"

#include <chrono>
#include <mutex>
#include <tuple>
#include <vector>

namespace lokal::handlers {

namespace models {

result<std::string> string_field(const json & body, const char * key) {
    auto it = body.find(key);
    if (it == body.end() || it->is_null()) return std::string();
    if (!it->is_string()) {
        return make_error(errc::invalid_request, std::string("invalid value for \"") + key + "\": must be a string");
    }
    return it->get<std::string>();
}

result<std::optional<bool>> bool_field(const json & body, const char * key) {
    auto it = body.find(key);
    if (it == body.end() || it->is_null()) return std::optional<bool>();
    if (!it->is_boolean()) {
        return make_error(errc::invalid_request, std::string("invalid value for \"") + key + "\": must be a boolean");
    }
    return std::optional<bool>(it->get<bool>());
}

result<std::string> model_field(const json & body) {
    auto model = string_field(body, "model");
    if (!model) return model;
    if (!model->empty()) return model;
    return string_field(body, "name");
}

std::string format_modified(std::filesystem::file_time_type t) {
    auto sys = std::chrono::file_clock::to_sys(t);
    return api::format_timestamp(std::chrono::time_point_cast<std::chrono::system_clock::duration>(sys), true);
}

}  // namespace models

namespace {

using models::model_field;
using models::string_field;

// What /api/tags's body is a function of: each model's name, manifest digest
// (which covers its config and layers, so its details and size) and time.
using tags_key = std::vector<std::tuple<std::string, std::string, std::filesystem::file_time_type>>;

// complete is false when a config could not be read (then not kept).
std::string tags_body(context & ctx, const std::vector<store::manifest_entry> & entries, bool & complete) {
    json list = json::array();
    complete = true;
    for (const auto & e : entries) {
        auto cfg = ctx.models.read_config(e.m);
        if (!cfg) complete = false;
        std::string digest = e.digest.substr(e.digest.find(':') + 1);
        list.push_back(json{
            {"name", e.short_name},
            {"model", e.short_name},
            {"modified_at", models::format_modified(e.modified)},
            {"size", e.size},
            {"digest", digest},
            {"details", details_from_config(cfg ? *cfg : json::object())},
        });
    }
    return http::json_text(json{{"models", std::move(list)}});
}

// GET /api/tags. Clients poll it (chat apps every few seconds), so the last
// body is kept and sent again while the listing has not changed: building
// and serialising the JSON was most of a request's cost. The body depends
// only on the key, so one memo serves every store in the process.
void tags(context & ctx, http::response & res) {
    static std::mutex mu;
    static tags_key last_key;
    static std::string last_body;
    auto entries = ctx.models.list();
    tags_key key;
    key.reserve(entries.size());
    for (const auto & e : entries) key.emplace_back(e.short_name, e.digest, e.modified);
    res.status = 200;
    res.content_type = "application/json; charset=utf-8";
    {
        std::lock_guard lock(mu);
        if (!last_body.empty() && key == last_key) {
            res.body = last_body;
            return;
        }
    }
    bool complete = false;
    res.body = tags_body(ctx, entries, complete);
    if (!complete) return;
    std::lock_guard lock(mu);
    last_key = std::move(key);
    last_body = res.body;
}

// POST /api/copy
void copy(context & ctx, const http::request & req, http::response & res) {
    auto body = http::parse_json_body(req);
    if (!body) return http::set_error(res, body.err());
    auto source = string_field(*body, "source");
    if (!source) return http::set_error(res, source.err());
    auto destination = string_field(*body, "destination");
    if (!destination) return http::set_error(res, destination.err());
    auto src = store::parse_model_name(*source);
    if (!src) return http::set_error(res, make_error(errc::invalid_request, "source \"" + *source + "\" is invalid"));
    auto dst = store::parse_model_name(*destination);
    if (!dst) {
        return http::set_error(res, make_error(errc::invalid_request, "destination \"" + *destination + "\" is invalid"));
    }
    if (auto st = ctx.models.copy(*src, *dst); !st) {
        if (st.err().code == errc::not_found) {
            return http::set_error(res, make_error(errc::not_found, "model \"" + *source + "\" not found"));
        }
        return http::set_error(res, st.err());
    }
    res.status = 200;
    res.body.clear();
}

// DELETE /api/delete
void remove(context & ctx, const http::request & req, http::response & res) {
    auto body = http::parse_json_body(req);
    if (!body) return http::set_error(res, body.err());
    auto model = model_field(*body);
    if (!model) return http::set_error(res, model.err());
    if (model->empty()) return http::set_error(res, make_error(errc::invalid_request, "model is required"));
    auto name = store::parse_model_name(*model);
    if (!name) return http::set_error(res, make_error(errc::invalid_request, "name \"" + *model + "\" is invalid"));
    if (auto st = ctx.models.remove(*name); !st) {
        if (st.err().code == errc::not_found) {
            return http::set_error(res, make_error(errc::not_found, "model '" + *model + "' not found"));
        }
        return http::set_error(res, st.err());
    }
    res.status = 200;
    res.body.clear();
}

// HEAD /api/blobs/:digest
void head_blob(context & ctx, const http::request & req, http::response & res) {
    auto it = req.params.find("digest");
    std::string digest = it == req.params.end() ? std::string() : it->second;
    if (!store::parse_digest(digest)) {
        return http::set_error(res, make_error(errc::invalid_request, "invalid digest format"));
    }
    if (!ctx.models.has_blob(digest)) {
        return http::set_error(res, make_error(errc::not_found, "blob \"" + digest + "\" not found"));
    }
    res.status = 200;
    res.body.clear();
}

// POST /api/blobs/:digest: streamed to disk and verified before it counts.
void put_blob(context & ctx, const http::request & req, const http::body_reader & reader, http::response & res) {
    auto it = req.params.find("digest");
    std::string digest = it == req.params.end() ? std::string() : it->second;
    auto parsed = store::parse_digest(digest);
    if (!parsed) return http::set_error(res, parsed.err());
    if (ctx.models.has_blob(*parsed)) {
        res.status = 200;  // Ollama: already there, nothing to read
        res.body.clear();
        return;
    }
    auto put = ctx.models.put_blob_from_reader(*parsed, reader, ctx.cfg.max_blob_bytes);
    if (!put) return http::set_error(res, put.err());
    res.status = 201;
    res.body.clear();
}

}  // namespace

void register_model_routes(http::server & srv, context & ctx) {
    srv.route("GET", "/api/tags", [&ctx](const http::request &, http::response & r) { tags(ctx, r); });
    srv.route("POST", "/api/show", [&ctx](const http::request & q, http::response & r) { models::show(ctx, q, r); });
    srv.route("POST", "/api/copy",
              audited(ctx, "copy", [&ctx](const http::request & q, http::response & r) { copy(ctx, q, r); }));
    srv.route("DELETE", "/api/delete",
              audited(ctx, "delete", [&ctx](const http::request & q, http::response & r) { remove(ctx, q, r); }));
    srv.route("HEAD", "/api/blobs/:digest",
              [&ctx](const http::request & q, http::response & r) { head_blob(ctx, q, r); });
    srv.upload_route("POST", "/api/blobs/:digest",
                     audited_upload(ctx, "blob_upload",
                                    [&ctx](const http::request & q, const http::body_reader & b, http::response & r) {
                                        put_blob(ctx, q, b, r);
                                    }));
    srv.route("POST", "/api/create", audited(ctx, "create", [&ctx](const http::request & q, http::response & r) {
                  models::create(ctx, q, r);
              }));
}

void native_tags(context & ctx, http::response & res) {
    tags(ctx, res);
}
void native_show(context & ctx, const http::request & req, http::response & res) {
    models::show(ctx, req, res);
}

}  // namespace lokal::handlers
