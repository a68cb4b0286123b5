#include "store/create.h"

#include <sys/statvfs.h>

#include "store/digest.h"
#include "store/files.h"
#include "store/gguf.h"
#include "store/gguf_merge.h"
#include "store/gojson.h"

#include <sys/statvfs.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>

namespace lokal::store {

namespace {

error bad(const std::string & msg) { return make_error(errc::invalid_request, msg); }

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Go's fs.ValidPath: slash-separated, relative, no empty, "." or ".." element.
bool valid_file_path(std::string_view p) {
    if (p == ".") return true;
    if (p.empty()) return false;
    size_t start = 0;
    for (;;) {
        size_t end = p.find('/', start);
        std::string_view elem = p.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
        if (elem.empty() || elem == "." || elem == "..") return false;
        if (end == std::string_view::npos) return true;
        start = end + 1;
    }
}

// Reads an uploaded blob as GGUF and says which layer it makes.
result<layer> gguf_layer(const store & st, const std::string & file_name, const std::string & digest_text,
                         bool adapter, gguf::file & meta) {
    auto digest = parse_digest(digest_text);
    if (!digest) return digest.err();
    auto path = st.blob_path(*digest);
    if (!path) return path.err();
    if (!st.has_blob(*digest)) {
        return bad("blob \"" + *digest + "\" for file \"" + file_name + "\" has not been uploaded");
    }
    auto f = gguf::read_file(*path);
    if (!f) {
        if (f.err().message == "not a GGUF file") return bad("supplied file was not in GGUF format");
        return bad("file \"" + file_name + "\": " + f.err().message);
    }
    layer l;
    l.digest = *digest;
    l.from = file_name;
    l.size = static_cast<int64_t>(f->file_size);
    if (adapter || f->is_adapter()) {
        l.media_type = media_type::adapter;
    } else if (f->is_projector()) {
        l.media_type = media_type::projector;
    } else {
        l.media_type = media_type::model;
    }
    meta = std::move(*f);
    return l;
}

// The parts of a split model become one model layer, merged by execute_create.
status plan_split_model(std::vector<std::pair<layer, gguf::file>> & parts, create_plan & plan,
                        std::optional<gguf::file> & model_meta) {
    if (model_meta) return bad("a model file and the parts of a split model were both given; give one model");
    std::vector<const gguf::file *> metas;
    for (const auto & p : parts) metas.push_back(&p.second);
    auto order = gguf::order_splits(metas);
    if (!order) return order.err();
    std::vector<const gguf::file *> ordered;
    for (size_t i : *order) ordered.push_back(metas[i]);
    gguf::file merged = gguf::merged_metadata(ordered);
    layer l;
    l.media_type = media_type::model;
    l.from = parts[(*order)[0]].first.from;
    l.size = static_cast<int64_t>(merged.file_size);
    plan.layers.insert(plan.layers.begin(), std::move(l));  // digest: known once merged
    for (size_t i : *order) plan.splits.push_back({parts[i].first.digest, std::move(parts[i].second)});
    model_meta = std::move(merged);
    return {};
}

// An adapter's general.architecture, by its file name, to check against the model's.
using adapter_archs = std::vector<std::pair<std::string, std::string>>;

status plan_files(const store & st, const std::vector<std::pair<std::string, std::string>> & files, bool adapters,
                  create_plan & plan, std::optional<gguf::file> & model_meta, adapter_archs & archs) {
    auto sorted = files;
    std::sort(sorted.begin(), sorted.end());
    for (const auto & [file_name, digest] : sorted) {
        if (!valid_file_path(file_name)) return bad("file path must be relative");
        if (digest.empty()) return bad("invalid digest format");
        if (ends_with(file_name, ".safetensors")) return bad("importing safetensors models is not supported yet");
    }
    if (adapters && sorted.size() > 1) return bad("only one adapter is currently supported");
    std::vector<std::pair<layer, gguf::file>> parts;
    std::string model_from;
    for (const auto & [file_name, digest] : sorted) {
        plan.early_statuses.push_back("parsing GGUF");
        gguf::file meta;
        auto l = gguf_layer(st, file_name, digest, adapters, meta);
        if (!l) return l.err();
        if (gguf::is_split(meta)) {
            if (adapters) return bad("file \"" + file_name + "\": an adapter cannot be a split GGUF file");
            parts.emplace_back(std::move(*l), std::move(meta));
            continue;
        }
        if (l->media_type == media_type::adapter) archs.emplace_back(file_name, meta.architecture());
        if (l->media_type == media_type::model) {
            // Ollama would keep both and run the last: say which files clash instead.
            if (model_meta) {
                return bad("files \"" + model_from + "\" and \"" + file_name + "\" are both models; give one");
            }
            model_meta = std::move(meta);
            model_from = file_name;
        }
        plan.layers.push_back(std::move(*l));
    }
    if (!parts.empty()) return plan_split_model(parts, plan, model_meta);
    return {};
}

status plan_from(const store & st, const model_name & from, create_plan & plan, std::optional<gguf::file> & model_meta,
                 json & base_config, json & base_params) {
    auto e = st.read_manifest(from);
    if (!e) return e.err();
    auto cfg = st.read_config(e->m);
    if (!cfg) return cfg.err();
    base_config = std::move(*cfg);
    for (layer l : e->m.layers) {
        if (!st.has_blob(l.digest)) {
            return make_error(errc::internal, "model " + e->short_name + " is missing its blob " + l.digest);
        }
        if (l.media_type == media_type::params) {
            auto text = st.read_blob(l.digest, 16u << 20);
            if (!text) return text.err();
            json p = json::parse(*text, nullptr, false);
            if (p.is_object()) base_params = std::move(p);
            continue;  // merged into a new params layer below
        }
        if (l.media_type == media_type::model) {
            auto f = gguf::read_file(*st.blob_path(l.digest));
            if (!f) return make_error(errc::internal, "model " + e->short_name + ": " + f.err().message);
            model_meta = std::move(*f);
        }
        l.from = e->short_name;
        plan.layers.push_back(std::move(l));
    }
    return {};
}

// Drops base layers of a media type the request replaces.
void drop_layers(std::vector<layer> & layers, std::string_view mt, std::string_view mt2 = {}) {
    layers.erase(std::remove_if(layers.begin(), layers.end(),
                                [&](const layer & l) { return l.media_type == mt || (!mt2.empty() && l.media_type == mt2); }),
                 layers.end());
}

// Tokens in a GGUF's vocabulary (0 when it has none).
uint64_t vocabulary_size(const gguf::file & f) {
    const auto * tokens = f.find("tokenizer.ggml.tokens");
    return tokens ? tokens->count : 0;
}

// The DRAFT layer: an uploaded GGUF or an existing model's weights. Drafts
// are checked token by token against the model, so both must share one
// vocabulary; llama.cpp would only find out when decoding.
status plan_draft(const store & st, const create_request & req, const gguf::file & model_meta, create_plan & plan) {
    if (req.draft_files.empty() && !req.draft_from) return {};
    if (req.draft_files.size() > 1) return bad("only one draft model is supported");
    layer l;
    gguf::file meta;
    std::string what;
    if (!req.draft_files.empty()) {
        const auto & [file_name, digest] = req.draft_files.front();
        if (!valid_file_path(file_name)) return bad("file path must be relative");
        auto g = gguf_layer(st, file_name, digest, false, meta);
        if (!g) return g.err();
        if (g->media_type != media_type::model || gguf::is_split(meta)) {
            return bad("draft \"" + file_name + "\" must be a single model GGUF file");
        }
        l = std::move(*g);
        what = "\"" + file_name + "\"";
    } else {
        auto e = st.read_manifest(*req.draft_from);
        if (!e) return e.err();
        auto it = std::find_if(e->m.layers.begin(), e->m.layers.end(),
                               [](const layer & x) { return x.media_type == media_type::model; });
        if (it == e->m.layers.end()) return bad("draft model " + e->short_name + " has no model weights");
        auto path = st.blob_path(it->digest);
        if (!path) return path.err();
        auto f = gguf::read_file(*path);
        if (!f) return make_error(errc::internal, "draft model " + e->short_name + ": " + f.err().message);
        meta = std::move(*f);
        l = *it;
        l.from = e->short_name;
        what = e->short_name;
    }
    if (vocabulary_size(meta) != vocabulary_size(model_meta)) {
        return bad("draft " + what + " has a vocabulary of " + std::to_string(vocabulary_size(meta)) +
                   " tokens, the model one of " + std::to_string(vocabulary_size(model_meta)) +
                   ": a draft model must share the model's vocabulary");
    }
    l.media_type = media_type::draft;
    drop_layers(plan.layers, media_type::draft);
    plan.layers.push_back(std::move(l));
    return {};
}

model_config config_for(const gguf::file & meta, const json & base, const create_request & req) {
    model_config base_cfg = model_config::from_json(base);
    model_config c;
    c.model_format = "gguf";
    c.model_family = meta.architecture();
    c.model_families = {c.model_family};
    c.model_type = human_number(meta.parameter_count());
    c.file_type = meta.file_type();
    c.renderer = !req.renderer.empty() ? req.renderer : base_cfg.renderer;
    c.parser = !req.parser.empty() ? req.parser : base_cfg.parser;
    c.requires_version = !req.requires_version.empty() ? req.requires_version : base_cfg.requires_version;
    return c;
}

// Ollama's create: a GGUF whose Jinja chat template Ollama knows gets the
// named Go template and its stop parameters (the request's parameters and
// TEMPLATE still win).
void detect_template(const create_request & req, const gguf::file & model_meta, create_plan & plan, json & params) {
    std::string jinja = model_meta.chat_template();
    if (jinja.empty()) return;
    auto found = req.detect_template(jinja);
    if (!found) return;
    plan.template_text = found->text;
    plan.detected_template = found->name;
    if (found->params.is_object()) {
        for (auto it = found->params.begin(); it != found->params.end(); ++it) params[it.key()] = it.value();
    }
}

std::string layer_status(bool existed, const std::string & digest) {
    return (existed ? "using existing layer " : "creating new layer ") + digest;
}

result<std::string> digest_of_file(const std::string & path) {
    FILE * f = std::fopen(path.c_str(), "rb");
    if (!f) return files::io_error("open " + path);
    sha256 hasher;
    std::vector<char> buf(1 << 20);
    size_t n;
    while ((n = std::fread(buf.data(), 1, buf.size(), f)) > 0) hasher.update(buf.data(), n);
    bool failed = std::ferror(f) != 0;
    std::fclose(f);
    if (failed) return make_error(errc::internal, "read " + path + " failed");
    return "sha256:" + hasher.finish_hex();
}

// Hashes a finished temp file and renames it to its blob name (or drops it
// when that blob exists already); returns the digest.
result<std::string> commit_as_blob(store & st, files::temp_file & tmp) {
    auto digest = digest_of_file(tmp.path());
    if (!digest) return digest.err();
    auto dest = st.blob_path(*digest);
    if (!dest) return dest.err();
    if (!st.has_blob(*digest)) {
        if (auto c = tmp.commit(*dest); !c) return c.err();
    }
    return digest;
}

// Writes the merged split model as a blob and gives the model layer its digest.
status merge_split_layer(store & st, const create_plan & plan, layer & model) {
    std::vector<std::string> paths;
    std::vector<const gguf::file *> metas;
    for (const auto & p : plan.splits) {
        auto path = st.blob_path(p.digest);
        if (!path) return path.err();
        paths.push_back(*path);
        metas.push_back(&p.meta);
    }
    auto tmp = files::temp_file::create(st.blobs_dir());
    if (!tmp) return tmp.err();
    if (auto w = gguf::write_merged(paths, metas, *tmp); !w) return w;
    if (auto v = gguf::validate_file(tmp->path()); !v) {
        return make_error(errc::invalid_request, "the merged split model is not a valid GGUF file: " + v.err().message);
    }
    auto digest = commit_as_blob(st, *tmp);
    if (!digest) return digest.err();
    std::error_code ec;
    auto size = std::filesystem::file_size(*st.blob_path(*digest), ec);
    if (ec) return make_error(errc::internal, "the merged split model is unreadable: " + ec.message());
    model.digest = *digest;
    model.size = static_cast<int64_t>(size);
    return {};
}

// llama.cpp's quantizer reports a failed write only as "could not
// quantize" (and some writes it does not check at all), so the output is
// validated whole before it counts, and a failure on a filesystem with less
// room left than the source model is reported as the full disk it is.
status check_quantized(const status & run, const std::string & path, const std::string & dir, int64_t source_size) {
    status v = run ? gguf::validate_file(path) : run;
    if (v) return {};
    struct statvfs fs{};
    if (::statvfs(dir.c_str(), &fs) == 0 &&
        static_cast<int64_t>(fs.f_bavail) * static_cast<int64_t>(fs.f_frsize) < source_size) {
        return make_error(errc::no_space, "no space left on device: the models folder (LOKAL_MODELS) is full");
    }
    if (!run) return run;
    return make_error(errc::internal, "quantization produced an invalid model file: " + v.err().message);
}

// Replaces the model layer with its quantized form: quantized into a temp
// file next to the blobs, hashed, renamed into place (or dropped when that
// blob exists already); the config takes the new file type.
status quantize_model_layer(store & st, const create_plan & plan, const quantizer & q, layer & model,
                            model_config & cfg) {
    auto in = st.blob_path(model.digest);
    if (!in) return in.err();
    std::string status = "quantizing " + plan.source_file_type + " model to " + plan.quantize;
    bool gone = false;
    auto report = [&](double fraction) {
        json j{{"status", status}, {"digest", "0000000000000000000"}, {"total", model.size}};
        auto done = static_cast<int64_t>(fraction * static_cast<double>(model.size));
        if (done > 0) j["completed"] = done;
        if (!gone && !q.report(j)) gone = true;
    };
    report(0);
    auto tmp = files::temp_file::create(st.blobs_dir());
    if (!tmp) return tmp.err();
    auto run = q.run(*in, plan.source_file_type, tmp->path(), plan.quantize, report);
    if (gone) return make_error(errc::canceled, "client went away");
    if (auto v = check_quantized(run, tmp->path(), st.blobs_dir(), model.size); !v) return v;
    auto digest = commit_as_blob(st, *tmp);
    if (!digest) return digest.err();
    auto meta = gguf::read_file(*st.blob_path(*digest));
    if (!meta) return make_error(errc::internal, "the quantized model is unreadable: " + meta.err().message);
    model.digest = *digest;
    model.size = static_cast<int64_t>(meta->file_size);
    cfg.file_type = meta->file_type();
    return {};
}

}  // namespace

result<create_plan> plan_create(const store & st, const create_request & req) {
    create_plan plan;
    plan.name = st.canonical(req.name);
    std::optional<gguf::file> model_meta;
    adapter_archs archs;
    json base_config = json::object();
    json params = json::object();
    if (req.from) {
        if (auto s = plan_from(st, *req.from, plan, model_meta, base_config, params); !s) return s.err();
    } else if (!req.files.empty()) {
        if (auto s = plan_files(st, req.files, false, plan, model_meta, archs); !s) return s.err();
    } else {
        return bad("neither 'from' or 'files' was specified");
    }
    if (!req.adapters.empty()) {
        std::optional<gguf::file> unused;
        if (auto s = plan_files(st, req.adapters, true, plan, unused, archs); !s) return s.err();
    }
    if (!model_meta) {
        return bad("no model file was given: the files are projectors or adapters only");
    }
    if (auto s = plan_draft(st, req, *model_meta, plan); !s) return s.err();
    // llama.cpp would refuse it only when the model loads; say so now.
    for (const auto & [file_name, arch] : archs) {
        if (arch != model_meta->architecture()) {
            return bad("adapter \"" + file_name + "\" is for the " + arch + " architecture, but the model is " +
                       model_meta->architecture());
        }
    }
    if (!req.from && req.detect_template) detect_template(req, *model_meta, plan, params);
    if (req.template_text) {
        drop_layers(plan.layers, media_type::template_, media_type::prompt);
        plan.template_text = req.template_text;
        plan.detected_template.clear();
    }
    if (req.system && !req.system->empty()) {
        drop_layers(plan.layers, media_type::system);
        plan.system = req.system;
    }
    plan.license = req.license;
    if (req.parameters.is_object()) {
        for (auto it = req.parameters.begin(); it != req.parameters.end(); ++it) params[it.key()] = it.value();
    }
    if (!params.empty()) plan.params = std::move(params);
    if (req.messages.is_array() && !req.messages.empty()) {
        drop_layers(plan.layers, media_type::messages);
        plan.messages = req.messages;
    }
    plan.config = config_for(*model_meta, base_config, req);
    if (!req.quantize.empty()) {
        std::string ft = model_meta->file_type();
        // Ollama's words; BF16 sources are quantized too.
        if (ft != "F32" && ft != "F16" && ft != "BF16") return bad("quantization is only supported for F16 and F32 models");
        if (ft != req.quantize) {
            plan.quantize = req.quantize;
            plan.source_file_type = ft;
        }
    }
    if (auto old = st.read_manifest(plan.name)) {
        for (const auto & l : old->m.layers) plan.replaced_digests.push_back(l.digest);
        if (!old->m.config.digest.empty()) plan.replaced_digests.push_back(old->m.config.digest);
    }
    return plan;
}

status execute_create(store & st, const create_plan & plan, const create_progress & report, const quantizer * q) {
    for (const auto & s : plan.early_statuses) {
        if (!report(s)) return make_error(errc::canceled, "client went away");
    }
    std::vector<layer> layers = plan.layers;
    model_config cfg = plan.config;
    std::vector<std::string> unused = plan.replaced_digests;  // pruned once the manifest is written
    std::string made;  // digest of a model layer made here (merged, quantized)
    auto model = std::find_if(layers.begin(), layers.end(), [](const layer & l) { return l.media_type == media_type::model; });
    if (!plan.splits.empty()) {
        if (!report("merging " + std::to_string(plan.splits.size()) + " split GGUF files")) {
            return make_error(errc::canceled, "client went away");
        }
        if (model == layers.end()) return make_error(errc::internal, "no model layer for the split model");
        if (auto r = merge_split_layer(st, plan, *model); !r) return r;
        made = model->digest;
    }
    if (!plan.quantize.empty()) {
        if (!q || !q->run || !q->report) return make_error(errc::internal, "quantization is not available here");
        if (model == layers.end()) return make_error(errc::internal, "no model layer to quantize");
        if (auto r = quantize_model_layer(st, plan, *q, *model, cfg); !r) return r;
        if (!made.empty() && made != model->digest) unused.push_back(made);  // the merged, unquantized model
        made = model->digest;
    }
    std::vector<std::string> statuses;
    for (const auto & l : layers) statuses.push_back(layer_status(l.digest != made, l.digest));
    auto add_text = [&](std::string_view mt, const std::string & data) -> status {
        bool existed = st.has_blob(digest_of(data));
        auto d = st.put_blob_bytes(data);
        if (!d) return d.err();
        layers.push_back(layer{std::string(mt), *d, static_cast<int64_t>(data.size()), {}, {}});
        statuses.push_back(layer_status(existed, *d));
        return {};
    };
    if (plan.template_text) {
        if (auto s = add_text(media_type::template_, *plan.template_text); !s) return s;
        if (!plan.detected_template.empty()) statuses.back() = "using autodetected template " + plan.detected_template;
    }
    if (plan.system) {
        if (auto s = add_text(media_type::system, *plan.system); !s) return s;
    }
    for (const auto & l : plan.license) {
        if (auto s = add_text(media_type::license, l); !s) return s;
    }
    if (!plan.params.is_null()) {
        if (auto s = add_text(media_type::params, go_json(plan.params, true) + "\n"); !s) return s;
    }
    if (!plan.messages.is_null()) {
        if (auto s = add_text(media_type::messages, go_json(plan.messages, false) + "\n"); !s) return s;
    }
    for (const auto & l : layers) cfg.diff_ids.push_back(l.digest);
    std::string cfg_bytes = serialize_config(cfg);
    auto cfg_digest = st.put_blob_bytes(cfg_bytes);
    if (!cfg_digest) return cfg_digest.err();

    for (const auto & s : statuses) {
        if (!report(s)) return make_error(errc::canceled, "client went away");
    }
    if (!report("writing manifest")) return make_error(errc::canceled, "client went away");
    manifest m;
    m.config = layer{std::string(media_type::config), *cfg_digest, static_cast<int64_t>(cfg_bytes.size()), {}, {}};
    m.layers = std::move(layers);
    if (auto s = st.write_manifest(plan.name, m); !s) return s;
    for (const auto & p : plan.splits) unused.push_back(p.digest);  // merged: the parts are no longer needed
    if (!unused.empty()) {
        if (auto s = st.prune_blobs(unused); !s) return s;
    }
    report("success");
    return {};
}

}  // namespace lokal::store
