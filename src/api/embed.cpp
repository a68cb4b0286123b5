#include "api/embed.h"

#include "api/requests.h"
#include "core/gojson.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace lokal::api {

namespace {

error bad(const std::string & field, const char * expected) {
    return make_error(errc::invalid_request, "invalid value for \"" + field + "\": expected " + expected);
}

// An optional field: absent or null keeps the default.
const json * find(const json & body, const char * key) {
    auto it = body.find(key);
    return it == body.end() || it->is_null() ? nullptr : &*it;
}

status read(const json & body, const char * key, std::string & out) {
    const json * v = find(body, key);
    if (!v) return {};
    if (!v->is_string()) return bad(key, "a string");
    out = v->get<std::string>();
    return {};
}

status read(const json & body, const char * key, bool & out) {
    const json * v = find(body, key);
    if (!v) return {};
    if (!v->is_boolean()) return bad(key, "true or false");
    out = v->get<bool>();
    return {};
}

status read_options(const json & body, json & options) {
    const json * v = find(body, "options");
    if (!v) return {};
    if (!v->is_object()) return bad("options", "an object");
    options = *v;
    return {};
}

status read_keep_alive(const json & body, std::optional<std::chrono::milliseconds> & out) {
    const json * v = find(body, "keep_alive");
    if (!v) return {};
    auto ka = parse_keep_alive(*v);
    if (!ka) return ka.err();
    out = *ka;
    return {};
}

// Ollama's embed input: a string (empty means none), or an array of strings.
status read_input(const json & body, std::vector<std::string> & out) {
    const json * v = find(body, "input");
    if (!v) return {};
    if (v->is_string()) {
        if (!v->get<std::string>().empty()) out.push_back(v->get<std::string>());
        return {};
    }
    if (!v->is_array()) return make_error(errc::invalid_request, "invalid input type");
    for (const auto & item : *v) {
        if (!item.is_string()) return make_error(errc::invalid_request, "invalid input type");
        out.push_back(item.get<std::string>());
    }
    return {};
}

void append_floats(std::string & out, const std::vector<float> & v, bool as_float64) {
    out += '[';
    for (size_t i = 0; i < v.size(); ++i) {
        if (i) out += ',';
        // Vectors are checked finite before they get here.
        out += (as_float64 ? gofmt::json_float(v[i]) : gofmt::json_float32(v[i])).value_or("0");
    }
    out += ']';
}

}  // namespace

result<embed_request> parse_embed(const json & body) {
    embed_request r;
    if (!body.is_object()) return make_error(errc::invalid_request, "request body must be a JSON object");
    if (auto st = read(body, "model", r.model); !st) return st.err();
    if (r.model.empty()) return make_error(errc::not_found, "model '' not found");
    if (auto st = read_input(body, r.input); !st) return st.err();
    if (auto st = read(body, "truncate", r.truncate); !st) return st.err();
    if (const json * d = find(body, "dimensions")) {
        if (!d->is_number_integer() || d->get<int64_t>() > std::numeric_limits<int>::max() ||
            d->get<int64_t>() < std::numeric_limits<int>::min()) {
            return bad("dimensions", "an integer");
        }
        r.dimensions = d->get<int>();
    }
    if (auto st = read_options(body, r.options); !st) return st.err();
    if (auto st = read_keep_alive(body, r.keep_alive); !st) return st.err();
    return r;
}

result<embeddings_request> parse_embeddings(const json & body) {
    embeddings_request r;
    if (!body.is_object()) return make_error(errc::invalid_request, "request body must be a JSON object");
    if (auto st = read(body, "model", r.model); !st) return st.err();
    if (r.model.empty()) return make_error(errc::invalid_request, "model is required");
    if (auto st = read(body, "prompt", r.prompt); !st) return st.err();
    if (auto st = read_options(body, r.options); !st) return st.err();
    if (auto st = read_keep_alive(body, r.keep_alive); !st) return st.err();
    return r;
}

result<rerank_request> parse_rerank(const json & body) {
    rerank_request r;
    if (!body.is_object()) return make_error(errc::invalid_request, "request body must be a JSON object");
    if (auto st = read(body, "model", r.model); !st) return st.err();
    if (r.model.empty()) return make_error(errc::invalid_request, "model is required");
    const json * q = find(body, "query");
    if (!q) return make_error(errc::invalid_request, "\"query\" must be provided");
    if (!q->is_string()) return make_error(errc::invalid_request, "\"query\" must be a string");
    r.query = q->get<std::string>();
    r.tei = body.contains("texts");
    const json * docs = find(body, "documents");
    if (!docs) docs = find(body, "texts");
    const error not_docs = make_error(errc::invalid_request, "\"documents\" must be a non-empty string array");
    if (!docs || !docs->is_array() || docs->empty()) return not_docs;
    if (docs->size() > max_rerank_documents) {
        return make_error(errc::invalid_request, "too many documents (at most " + std::to_string(max_rerank_documents) + ")");
    }
    for (const auto & d : *docs) {
        // Jina and Cohere also take {"text": "..."} objects.
        const json * text = d.is_object() && d.contains("text") ? &d["text"] : &d;
        if (!text->is_string()) return not_docs;
        r.documents.push_back(text->get<std::string>());
    }
    if (const json * n = find(body, "top_n")) {
        if (!n->is_number_integer() || n->get<int64_t>() < 1) return bad("top_n", "a positive integer");
        r.top_n = static_cast<int>(std::min<int64_t>(n->get<int64_t>(), static_cast<int64_t>(r.documents.size())));
    }
    if (auto st = read(body, "return_documents", r.return_documents); !st) return st.err();
    if (r.tei) {
        if (auto st = read(body, "return_text", r.return_text); !st) return st.err();
    }
    if (auto st = read_options(body, r.options); !st) return st.err();
    if (auto st = read_keep_alive(body, r.keep_alive); !st) return st.err();
    return r;
}

json rerank_response(const rerank_request & r, const std::vector<float> & scores, int prompt_tokens) {
    std::vector<size_t> order(scores.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] > scores[b]; });
    size_t n = r.top_n > 0 ? static_cast<size_t>(r.top_n) : order.size();
    json results = json::array();
    for (size_t k = 0; k < std::min(n, order.size()); ++k) {
        size_t i = order[k];
        if (r.tei) {
            json item{{"index", i}, {"score", scores[i]}};
            if (r.return_text) item["text"] = r.documents[i];
            results.push_back(std::move(item));
            continue;
        }
        json item{{"index", i}, {"relevance_score", scores[i]}};
        if (r.return_documents) item["document"] = json{{"text", r.documents[i]}};
        results.push_back(std::move(item));
    }
    if (r.tei) return results;
    return json{{"model", r.model},
                {"object", "list"},
                {"usage", {{"prompt_tokens", prompt_tokens}, {"total_tokens", prompt_tokens}}},
                {"results", std::move(results)}};
}

result<tokenize_request> parse_tokenize(const json & body) {
    tokenize_request r;
    if (!body.is_object()) return make_error(errc::invalid_request, "request body must be a JSON object");
    if (auto st = read(body, "model", r.model); !st) return st.err();
    if (r.model.empty()) return make_error(errc::invalid_request, "model is required");
    if (find(body, "content")) {
        if (auto st = read(body, "content", r.content); !st) return st.err();
    } else if (auto st = read(body, "prompt", r.content); !st) {
        return st.err();
    }
    if (auto st = read(body, "add_special", r.add_special); !st) return st.err();
    if (auto st = read(body, "parse_special", r.parse_special); !st) return st.err();
    if (auto st = read(body, "with_pieces", r.with_pieces); !st) return st.err();
    if (auto st = read_keep_alive(body, r.keep_alive); !st) return st.err();
    return r;
}

result<detokenize_request> parse_detokenize(const json & body) {
    detokenize_request r;
    if (!body.is_object()) return make_error(errc::invalid_request, "request body must be a JSON object");
    if (auto st = read(body, "model", r.model); !st) return st.err();
    if (r.model.empty()) return make_error(errc::invalid_request, "model is required");
    if (const json * t = find(body, "tokens")) {
        if (!t->is_array()) return bad("tokens", "an array of token ids");
        for (const auto & v : *t) {
            if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() > INT32_MAX) {
                return bad("tokens", "an array of token ids");
            }
            r.tokens.push_back(v.get<int32_t>());
        }
    }
    if (auto st = read_keep_alive(body, r.keep_alive); !st) return st.err();
    return r;
}

status normalize(std::vector<float> & v) {
    float sum = 0;
    for (float x : v) {
        if (!std::isfinite(x)) return make_error(errc::internal, "embedding contains NaN or Inf values");
        sum += x * x;
    }
    // As Ollama: the norm in float64, floored at 1e-12, applied in float32.
    const auto scale = static_cast<float>(1.0 / std::max(std::sqrt(static_cast<double>(sum)), 1e-12));
    for (float & x : v) x *= scale;
    return {};
}

status shape_embedding(std::vector<float> & v, int dimensions) {
    if (auto st = normalize(v); !st) return st;
    if (dimensions > 0 && static_cast<size_t>(dimensions) < v.size()) {
        v.resize(static_cast<size_t>(dimensions));
        return normalize(v);
    }
    return {};
}

std::string embed_response(const std::string & model, const std::vector<std::vector<float>> & vectors,
                           int64_t total_ns, int64_t load_ns, int prompt_eval_count) {
    std::string out = "{\"model\":";
    gofmt::append_json_string(out, model);
    out += ",\"embeddings\":[";
    for (size_t i = 0; i < vectors.size(); ++i) {
        if (i) out += ',';
        append_floats(out, vectors[i], false);
    }
    out += ']';
    auto put = [&](const char * key, int64_t v) {
        if (v != 0) out += std::string(",\"") + key + "\":" + std::to_string(v);
    };
    put("total_duration", total_ns);
    put("load_duration", load_ns);
    put("prompt_eval_count", prompt_eval_count);
    out += '}';
    return out;
}

std::string embeddings_response(const std::vector<float> & vector) {
    std::string out = "{\"embedding\":";
    append_floats(out, vector, true);
    out += '}';
    return out;
}

}  // namespace lokal::api
