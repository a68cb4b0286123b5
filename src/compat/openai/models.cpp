// /v1/models and /v1/embeddings: native model list and show, native embed.
#include "compat/common.h"
#include "compat/openai/openai.h"
#include "core/base64.h"

#include <bit>
#include <cstring>
#include <strings.h>

namespace lokal::compat::openai {

std::string owner_of(const std::string & name) {
    // [host/][namespace/]model[:tag]: the part before the model, "library"
    // when there is none (Ollama's model.ParseName(...).Namespace).
    std::string path = name;
    size_t slash = path.rfind('/');
    if (slash == std::string::npos) return "library";
    path.resize(slash);
    size_t prev = path.rfind('/');
    return prev == std::string::npos ? path : path.substr(prev + 1);
}

json model_list(const json & tags) {
    // An empty list is [] (Ollama writes null, which OpenAI's clients cannot
    // iterate).
    json data = json::array();
    if (tags.contains("models") && tags["models"].is_array()) {
        for (const auto & m : tags["models"]) {
            std::string name = m.value("name", std::string());
            data.push_back(json{{"id", name},
                                {"object", "model"},
                                {"created", unix_from_rfc3339(m.value("modified_at", std::string()))},
                                {"owned_by", owner_of(name)}});
        }
    }
    return json{{"object", "list"}, {"data", std::move(data)}};
}

json model_object(const std::string & id, const json & show) {
    return json{{"id", id},
                {"object", "model"},
                {"created", unix_from_rfc3339(show.value("modified_at", std::string()))},
                {"owned_by", owner_of(id)}};
}

result<embed_plan> embeddings_request(const json & body) {
    embed_plan p;
    std::optional<std::string> model, encoding;
    if (auto st = read_string(body, "model", model); !st) return st.err();
    p.model = model.value_or("");
    if (auto st = read_string(body, "encoding_format", encoding); !st) return st.err();
    if (encoding && !encoding->empty()) {
        if (strcasecmp(encoding->c_str(), "base64") == 0) {
            p.base64 = true;
        } else if (strcasecmp(encoding->c_str(), "float") != 0) {
            return make_error(errc::invalid_request, "Invalid value for 'encoding_format' = " + *encoding +
                                                         ". Supported values: ['float', 'base64'].");
        }
    }
    auto it = body.find("input");
    if (it == body.end() || it->is_null() || (it->is_array() && it->empty())) {
        return make_error(errc::invalid_request, "invalid input");
    }
    json input;
    if (it->is_string()) {
        // Ollama embeds "" as [""] rather than refusing it.
        input = it->get<std::string>().empty() ? json::array({""}) : *it;
    } else if (it->is_array()) {
        for (const auto & s : *it) {
            if (!s.is_string()) return field_error("input", "a string or an array of strings (token arrays are not supported)");
        }
        input = *it;
    } else {
        return field_error("input", "a string or an array of strings");
    }
    p.native = json{{"model", p.model}, {"input", std::move(input)}};
    std::optional<int64_t> dims;
    if (auto st = read_integer(body, "dimensions", dims); !st) return st.err();
    if (dims && *dims > 0) p.native["dimensions"] = *dims;
    if (auto st = apply_extra_fields(body, p.native); !st) return st.err();
    return p;
}

namespace {

// Little-endian float32s, base64: what OpenAI's clients decode.
std::string floats_base64(const json & v) {
    std::string bytes;
    bytes.reserve(v.size() * 4);
    for (const auto & x : v) {
        float f = x.is_number() ? x.get<float>() : 0.0f;
        char b[4];
        std::memcpy(b, &f, 4);  // x86 and arm64 are little-endian; static_assert below
        bytes.append(b, 4);
    }
    return base64_encode(bytes);
}
static_assert(std::endian::native == std::endian::little, "floats_base64 assumes a little-endian host");

}  // namespace

json embedding_list(const embed_plan & p, const json & native) {
    json data = json::array();
    int64_t tokens = native.value("prompt_eval_count", int64_t{0});
    if (native.contains("embeddings") && native["embeddings"].is_array()) {
        const json & all = native["embeddings"];
        for (size_t i = 0; i < all.size(); ++i) {
            data.push_back(json{{"object", "embedding"},
                                {"embedding", p.base64 ? json(floats_base64(all[i])) : all[i]},
                                {"index", i}});
        }
    }
    return json{{"object", "list"},
                {"data", std::move(data)},
                {"model", p.model},
                {"usage", json{{"prompt_tokens", tokens}, {"total_tokens", tokens}}}};
}

}  // namespace lokal::compat::openai
