#include "store/manifest.h"

#include "store/digest.h"
#include "store/gojson.h"

#include <cmath>
#include <cstdio>

namespace lokal::store {

namespace {

error bad_manifest(const std::string & why) { return make_error(errc::invalid_request, "invalid manifest: " + why); }

const json * member(const json & obj, const char * key) {
    auto it = obj.find(key);
    return it == obj.end() || it->is_null() ? nullptr : &*it;
}

result<std::string> string_member(const json & obj, const char * key, bool required) {
    const json * v = member(obj, key);
    if (v == nullptr) {
        if (required) {
            return bad_manifest(std::string("missing \"") + key + "\"");
        }
        return std::string();
    }
    if (!v->is_string()) {
        return bad_manifest(std::string("\"") + key + "\" must be a string");
    }
    return v->get<std::string>();
}

result<layer> parse_layer(const json & j) {
    if (!j.is_object()) {
        return bad_manifest("a layer must be an object");
    }
    layer l;
    auto mt = string_member(j, "mediaType", true);
    if (!mt) return mt.err();
    auto dg = string_member(j, "digest", true);
    if (!dg) return dg.err();
    auto digest = parse_digest(*dg);
    if (!digest) {
        return bad_manifest("bad layer digest");
    }
    const json * size = member(j, "size");
    if (size == nullptr || !size->is_number_integer() || size->get<int64_t>() < 0) {
        return bad_manifest("a layer size must be a non-negative integer");
    }
    auto from = string_member(j, "from", false);
    if (!from) return from.err();
    auto name = string_member(j, "name", false);
    if (!name) return name.err();
    l.media_type = std::move(*mt);
    l.digest = std::move(*digest);
    l.size = size->get<int64_t>();
    l.from = std::move(*from);
    l.name = std::move(*name);
    return l;
}

json layer_json(const layer & l) {
    json j = json::object();
    j["mediaType"] = l.media_type;
    j["digest"] = l.digest;
    j["size"] = l.size;
    if (!l.from.empty()) j["from"] = l.from;
    if (!l.name.empty()) j["name"] = l.name;
    return j;
}

std::string string_or_empty(const json & j, const char * key) {
    const json * v = member(j, key);
    return v != nullptr && v->is_string() ? v->get<std::string>() : std::string();
}

std::vector<std::string> strings_or_empty(const json & j, const char * key) {
    std::vector<std::string> out;
    const json * v = member(j, key);
    if (v != nullptr && v->is_array()) {
        for (const auto & e : *v) {
            if (e.is_string()) out.push_back(e.get<std::string>());
        }
    }
    return out;
}

}  // namespace

int64_t manifest::total_size() const {
    int64_t total = config.size;
    for (const auto & l : layers) {
        total += l.size;
    }
    return total;
}

const layer * manifest::find(std::string_view mt) const {
    for (const auto & l : layers) {
        if (l.media_type == mt) return &l;
    }
    return nullptr;
}

result<manifest> parse_manifest(std::string_view bytes, const manifest_limits & limits) {
    if (bytes.size() > limits.max_bytes) {
        return bad_manifest("larger than " + std::to_string(limits.max_bytes) + " bytes");
    }
    json j = json::parse(bytes.begin(), bytes.end(), nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
        return bad_manifest("not a JSON object");
    }
    manifest m;
    const json * sv = member(j, "schemaVersion");
    if (sv == nullptr || !sv->is_number_integer() || sv->get<int64_t>() != 2) {
        return bad_manifest("schemaVersion must be 2");
    }
    auto mt = string_member(j, "mediaType", false);
    if (!mt) return mt.err();
    if (!mt->empty()) m.media_type = std::move(*mt);
    const json * cfg = member(j, "config");
    if (cfg != nullptr) {
        auto c = parse_layer(*cfg);
        if (!c) return c.err();
        m.config = std::move(*c);
    }
    const json * layers = member(j, "layers");
    if (layers != nullptr) {
        if (!layers->is_array()) {
            return bad_manifest("\"layers\" must be an array");
        }
        if (layers->size() > limits.max_layers) {
            return bad_manifest("more than " + std::to_string(limits.max_layers) + " layers");
        }
        for (const auto & lj : *layers) {
            auto l = parse_layer(lj);
            if (!l) return l.err();
            m.layers.push_back(std::move(*l));
        }
    }
    return m;
}

std::string serialize_manifest(const manifest & m) {
    json j = json::object();
    j["schemaVersion"] = m.schema_version;
    j["mediaType"] = m.media_type;
    j["config"] = layer_json(m.config);
    json layers = json::array();
    for (const auto & l : m.layers) {
        layers.push_back(layer_json(l));
    }
    j["layers"] = std::move(layers);
    return go_json(j, false) + "\n";
}

json model_config::to_json() const {
    json j = json::object();
    j["model_format"] = model_format;
    j["model_family"] = model_family;
    j["model_families"] = model_families.empty() ? json(nullptr) : json(model_families);
    j["model_type"] = model_type;
    j["file_type"] = file_type;
    if (!renderer.empty()) j["renderer"] = renderer;
    if (!parser.empty()) j["parser"] = parser;
    if (!requires_version.empty()) j["requires"] = requires_version;
    j["architecture"] = architecture;
    j["os"] = os;
    j["rootfs"] = json{{"type", "layers"}, {"diff_ids", diff_ids}};
    return j;
}

model_config model_config::from_json(const json & j) {
    model_config c;
    if (!j.is_object()) {
        return c;
    }
    c.model_format = string_or_empty(j, "model_format");
    c.model_family = string_or_empty(j, "model_family");
    c.model_families = strings_or_empty(j, "model_families");
    c.model_type = string_or_empty(j, "model_type");
    c.file_type = string_or_empty(j, "file_type");
    c.renderer = string_or_empty(j, "renderer");
    c.parser = string_or_empty(j, "parser");
    c.requires_version = string_or_empty(j, "requires");
    c.architecture = string_or_empty(j, "architecture");
    c.os = string_or_empty(j, "os");
    if (const json * rootfs = member(j, "rootfs"); rootfs != nullptr && rootfs->is_object()) {
        c.diff_ids = strings_or_empty(*rootfs, "diff_ids");
    }
    return c;
}

std::string serialize_config(const model_config & c) { return go_json(c.to_json(), false) + "\n"; }

std::string human_number(uint64_t n) {
    constexpr double thousand = 1e3, million = 1e6, billion = 1e9;
    char buf[64];
    double d = static_cast<double>(n);
    if (d >= billion) {
        double x = d / billion;
        std::snprintf(buf, sizeof buf, x == std::floor(x) ? "%.0fB" : "%.1fB", x);
    } else if (d >= million) {
        double x = d / million;
        std::snprintf(buf, sizeof buf, x == std::floor(x) ? "%.0fM" : "%.2fM", x);
    } else if (d >= thousand) {
        std::snprintf(buf, sizeof buf, "%.0fK", d / thousand);
    } else {
        return std::to_string(n);
    }
    return buf;
}

}  // namespace lokal::store
