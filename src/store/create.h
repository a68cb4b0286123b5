// Creating a model (POST /api/create) in two steps: plan_create checks
// everything (names, digests, that each file is an uploaded, readable GGUF,
// the base model) and writes nothing; execute_create writes the new small
// layers and the config blob, then the manifest last, then prunes the blobs
// the replaced manifest no longer shares. So every input error is known
// before the first byte of a streamed response, as a 4xx.
#pragma once

#include "core/json.h"
#include "core/result.h"
#include "store/gguf.h"
#include "store/manifest.h"
#include "store/name.h"
#include "store/store.h"

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace lokal::store {

// A named Go template found for a GGUF's own Jinja template (Ollama's
// detectChatTemplate; handlers/ pass tmpl::match_named over the templates
// embedded at build time).
struct detected_template {
    std::string name;        // "chatml": the status line says "using autodetected template chatml"
    std::string text;        // the Go template, which becomes the TEMPLATE layer
    json params = nullptr;   // its {"stop": [...]}, merged under the request's parameters
};
using template_detector = std::function<std::optional<detected_template>(const std::string & jinja)>;

struct create_request {
    model_name name;
    std::optional<model_name> from;                              // an existing model
    std::vector<std::pair<std::string, std::string>> files;     // file name -> digest
    std::vector<std::pair<std::string, std::string>> adapters;  // file name -> digest
    // DRAFT: a small model with the same vocabulary for speculative decoding,
    // as an uploaded file or an existing model's weights.
    std::vector<std::pair<std::string, std::string>> draft_files;  // file name -> digest
    std::optional<model_name> draft_from;
    std::optional<std::string> template_text;
    std::optional<std::string> system;
    json parameters = nullptr;   // object, already type-checked by the caller
    json messages = nullptr;     // array of {role, content}
    std::vector<std::string> license;
    std::string renderer;
    std::string parser;
    std::string requires_version;
    std::string quantize;        // target type, canonical ("Q4_K_M"); empty: none
    // Consulted for a model made from files whose GGUF has a chat template.
    template_detector detect_template;
};

// A checked create: what execute_create will write.
struct create_plan {
    model_name name;
    std::vector<std::string> early_statuses;   // "parsing GGUF", one per file
    std::vector<layer> layers;                 // base layers, in manifest order
    std::optional<std::string> template_text;  // new layers, appended in this order
    std::string detected_template;             // name of the autodetected template_text, if it is one
    std::optional<std::string> system;
    std::vector<std::string> license;
    json params = nullptr;                     // merged params, or null for none
    json messages = nullptr;
    model_config config;
    std::vector<std::string> replaced_digests; // of the manifest being replaced
    std::string quantize;                      // target type when the model layer is to be quantized
    std::string source_file_type;              // the model layer's ("F16"), for the status line
    // Parts of a split GGUF model, in split.no order: execute_create merges
    // them into the model layer (whose digest is empty until then) and
    // deletes the parts' blobs afterwards unless a manifest uses them.
    struct split_part {
        std::string digest;
        gguf::file meta;
    };
    std::vector<split_part> splits;
};

result<create_plan> plan_create(const store & st, const create_request & req);

// Reports Ollama's status strings ("using existing layer sha256:...",
// "creating new layer sha256:...", "writing manifest", "success") in order;
// when report returns false (the client left) it stops before the manifest.
using create_progress = std::function<bool(const std::string & status)>;

// Quantization is llama.cpp's (engine/), which store/ cannot see: the caller
// hands it in. run(in, source type, out, target type, fraction callback)
// writes the quantized GGUF to out; report receives Ollama's progress
// objects ({"status":"quantizing F16 model to Q4_K_M","digest":"0000000000000000000",
// "total":<source size>,"completed":...}) and returns false once the client left.
struct quantizer {
    std::function<status(const std::string &, const std::string &, const std::string &, const std::string &,
                         const std::function<void(double)> &)>
        run;
    std::function<bool(const json &)> report;
};

// With plan.quantize set, q is required: the model layer is quantized into
// a temporary file in the blobs directory, hashed and renamed into place
// before any other layer is written.
status execute_create(store & st, const create_plan & plan, const create_progress & report,
                      const quantizer * q = nullptr);

}  // namespace lokal::store
