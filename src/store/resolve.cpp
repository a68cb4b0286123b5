// store::resolve: everything about a model that the runner and /api/show
// need, read from its manifest and its small layers.
#include "store/read_cache.h"
#include "store/store.h"

namespace lokal::store {

namespace {

result<json> parse_json_blob(const std::string & text, const char * what) {
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded()) {
        return make_error(errc::internal, std::string("invalid ") + what + " layer: not JSON");
    }
    return j;
}

// Ollama stores messages as full api.Message objects; we keep role and content.
json messages_from(const json & j) {
    json out = json::array();
    if (!j.is_array()) {
        return out;
    }
    for (const auto & m : j) {
        if (!m.is_object()) continue;
        json msg = json::object();
        auto role = m.find("role");
        auto content = m.find("content");
        msg["role"] = role != m.end() && role->is_string() ? *role : json("");
        msg["content"] = content != m.end() && content->is_string() ? *content : json("");
        out.push_back(std::move(msg));
    }
    return out;
}

}  // namespace

result<json> store::read_config(const manifest & m) const {
    if (m.config.digest.empty()) {
        return json::object();
    }
    if (auto hit = cache_->config(m.config.digest)) return std::move(*hit);
    auto text = read_blob(m.config.digest, limits_.max_text_layer_bytes);
    if (!text) return text.err();
    auto j = parse_json_blob(*text, "config");
    if (!j) return j.err();
    if (!j->is_object()) {
        return make_error(errc::internal, "invalid config blob: not a JSON object");
    }
    cache_->put_config(m.config.digest, *j);
    return j;
}

status store::fill_layer(model_record & rec, const layer & l) const {
    auto path = blob_path(l.digest);
    if (!path) return path.err();
    const std::string_view mt = l.media_type;
    auto text = [&]() { return read_blob(l.digest, limits_.max_text_layer_bytes); };
    if (mt == media_type::model) {
        rec.model_path = *path;  // the last model layer wins, as in Ollama
        rec.parent_model = l.from;
    } else if (mt == media_type::projector) {
        if (rec.projector_path.empty()) rec.projector_path = *path;
    } else if (mt == media_type::adapter) {
        rec.adapter_paths.push_back(*path);
    } else if (mt == media_type::draft) {
        rec.draft_path = *path;
    } else if (mt == media_type::template_ || mt == media_type::prompt) {
        auto t = text();
        if (!t) return t.err();
        rec.template_text = std::move(*t);
    } else if (mt == media_type::system) {
        auto t = text();
        if (!t) return t.err();
        rec.system = std::move(*t);
    } else if (mt == media_type::license) {
        auto t = text();
        if (!t) return t.err();
        rec.license.push_back(std::move(*t));
    } else if (mt == media_type::params) {
        auto t = text();
        if (!t) return t.err();
        auto j = parse_json_blob(*t, "params");
        if (!j) return j.err();
        if (!j->is_object()) return make_error(errc::internal, "invalid params layer: not a JSON object");
        rec.params = std::move(*j);
    } else if (mt == media_type::messages) {
        auto t = text();
        if (!t) return t.err();
        auto j = parse_json_blob(*t, "messages");
        if (!j) return j.err();
        rec.messages = messages_from(*j);
    }
    // Other media types (tensor layers, drafts, embeds) are not ours to use.
    return {};
}

result<model_record> store::resolve(const model_name & name) const {
    auto e = read_manifest(name);
    if (!e) return e.err();
    model_record rec;
    rec.name = e->name;
    rec.manifest_digest = e->digest;
    rec.size = e->size;
    rec.modified = e->modified;
    auto cfg = read_config(e->m);
    if (!cfg) return cfg.err();
    rec.config = std::move(*cfg);
    for (const auto & l : e->m.layers) {
        if (auto st = fill_layer(rec, l); !st) return st.err();
    }
    return rec;
}

}  // namespace lokal::store
