// Ollama's model options ("options" in requests, PARAMETER in Modelfiles,
// the params layer of a model) with Ollama's defaults and typing rules, plus
// range checks that keep absurd values (num_ctx 10^9) away from the engine.
//
// Layering, as in Ollama: start from default_options(), apply the model's
// params layer with apply_json, then the request's "options" with apply_json.
#pragma once

#include "core/json.h"
#include "core/result.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lokal::api {

struct options {
    // Runner options: fixed when a model is loaded.
    int num_ctx = 4096;
    int num_batch = 512;
    int num_gpu = -1;          // -1: as many layers as fit
    int main_gpu = 0;
    int num_thread = 0;        // 0: the runtime decides
    std::optional<bool> use_mmap;
    // lokal's own, per model (Ollama has only the server-wide
    // OLLAMA_FLASH_ATTENTION and OLLAMA_KV_CACHE_TYPE). Unset: the server's
    // LOKAL_FLASH_ATTENTION / LOKAL_KV_CACHE_TYPE.
    std::optional<bool> flash_attention;
    std::string kv_cache_type;

    // Predict options: per request.
    int num_keep = 4;
    int64_t seed = -1;         // -1: random
    int num_predict = -1;      // -1: until stop or context end; -2: fill the context
    int top_k = 40;
    float top_p = 0.9f;
    float min_p = 0.0f;
    float typical_p = 1.0f;
    int repeat_last_n = 64;    // -1: num_ctx
    float temperature = 0.8f;
    float repeat_penalty = 1.0f;   // Ollama's current default
    float presence_penalty = 0.0f;
    float frequency_penalty = 0.0f;
    std::vector<std::string> stop;
    int ngram_draft = -1;      // lokal's: prompt-lookup draft tokens per step; -1: LOKAL_NGRAM_DRAFT
    // Speculative decoding with the model's DRAFT: Ollama's draft tokens per
    // step (-1: LOKAL_DRAFT_NUM_PREDICT), and lokal's draft_min / draft_p_min
    // as llama-server's --spec-draft-n-min / --spec-draft-p-min.
    int draft_num_predict = -1;
    int draft_min = 0;
    float draft_p_min = 0.0f;
};

inline constexpr int max_ngram_draft = 64;

// Limits the range checks enforce.
inline constexpr int max_num_ctx = 1 << 20;
inline constexpr int max_num_batch = 1 << 20;
inline constexpr size_t max_stop_sequences = 64;
inline constexpr size_t max_stop_bytes = 4096;

options default_options();

// Applies an options object (request "options" or a params layer). Like
// Ollama: unknown keys and null values are ignored, JSON numbers go into
// integer options truncated, and a wrong type is invalid_request
// ("option \"temperature\" must be of type float32"). Out-of-range values are
// invalid_request too. opts is unchanged on error.
status apply_json(options & opts, const json & obj);

// Applies one Modelfile PARAMETER. Unknown key: invalid_request naming it
// ("unknown parameter 'foo'"); Ollama's retired keys (mirostat, ...) are
// accepted and ignored; bad values are invalid_request. "stop" appends.
status apply_param(options & opts, const std::string & key, const std::string & value);

// Ollama's params layer for a Modelfile's PARAMETER lines: typed values,
// "stop" as an array, retired keys dropped, every value checked.
result<json> params_to_json(const std::vector<std::pair<std::string, std::string>> & params);

// The JSON type of an option, for clients that turn text into typed values
// (the CLI's Modelfile and /set parameter); nullopt for unknown keys.
enum class option_type { integer, number, boolean, string, string_list };
std::optional<option_type> option_type_of(std::string_view key);

// Keys Ollama has retired; accepted everywhere and ignored.
bool is_legacy_option(std::string_view key);
// Keys of the options table (not the legacy ones).
bool is_known_option(std::string_view key);

}  // namespace lokal::api
