// Wire structs of the embedding and tokenizer routes, their JSON decoding,
// and the vector shaping Ollama applies before answering (normalisation,
// dimension truncation) with its float formatting.
#pragma once

#include "core/json.h"
#include "core/result.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lokal::api {

// POST /api/embed
struct embed_request {
    std::string model;
    std::vector<std::string> input;  // a string input becomes one item; "" becomes none
    bool truncate = true;
    int dimensions = 0;              // 0: the model's length
    json options = json::object();
    std::optional<std::chrono::milliseconds> keep_alive;
};

// POST /api/embeddings (legacy)
struct embeddings_request {
    std::string model;
    std::string prompt;
    json options = json::object();
    std::optional<std::chrono::milliseconds> keep_alive;
};

// POST /api/tokenize, following llama-server's /tokenize
struct tokenize_request {
    std::string model;
    std::string content;             // "prompt" is accepted too
    bool add_special = false;
    bool parse_special = true;
    bool with_pieces = false;
    std::optional<std::chrono::milliseconds> keep_alive;
};

// POST /api/rerank and /v1/rerank, following llama-server's /v1/rerank
// (Jina/Cohere): a query, documents (strings or {"text": ...}), top_n and
// return_documents. A body with "texts" is Hugging Face TEI's shape, as
// llama-server reads it: the texts are the documents (unless "documents" is
// also given), return_text adds each text, and the answer is TEI's.
struct rerank_request {
    std::string model;
    std::string query;
    std::vector<std::string> documents;
    int top_n = 0;                   // 0: all
    bool return_documents = false;
    bool tei = false;                // the body has "texts"
    bool return_text = false;        // TEI's
    json options = json::object();
    std::optional<std::chrono::milliseconds> keep_alive;
};

// The most documents one request may rank.
constexpr size_t max_rerank_documents = 1024;

result<rerank_request> parse_rerank(const json & body);

// {"model", "object": "list", "usage", "results": [{"index",
// "relevance_score", "document"?}]}, best first, at most top_n; for a TEI
// request TEI's bare array [{"index", "score", "text"?}], in the same order.
json rerank_response(const rerank_request & r, const std::vector<float> & scores, int prompt_tokens);

// POST /api/detokenize
struct detokenize_request {
    std::string model;
    std::vector<int32_t> tokens;
    std::optional<std::chrono::milliseconds> keep_alive;
};

// Errors carry Ollama's wording; the model is checked by the handler.
result<embed_request> parse_embed(const json & body);
result<embeddings_request> parse_embeddings(const json & body);
result<tokenize_request> parse_tokenize(const json & body);
result<detokenize_request> parse_detokenize(const json & body);

// Ollama's normalize(): scale to unit L2 norm in float32 (a zero vector
// stays zero); NaN or Inf is an error.
status normalize(std::vector<float> & v);
// Ollama's /api/embed shaping: normalise, then, when 0 < dimensions < size,
// keep the first `dimensions` values and normalise again.
status shape_embedding(std::vector<float> & v, int dimensions);

// {"model","embeddings",...} with Go's float32 formatting; zero metrics
// are omitted as Go's omitempty does.
std::string embed_response(const std::string & model, const std::vector<std::vector<float>> & vectors,
                           int64_t total_ns, int64_t load_ns, int prompt_eval_count);
// {"embedding":[...]}: float32 values written as Go writes float64.
std::string embeddings_response(const std::vector<float> & vector);

}  // namespace lokal::api
