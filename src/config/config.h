// The one table of LOKAL_* settings. Parsed once at startup (from the
// environment) into a typed struct that is passed down; no other module reads
// the environment. Every variable has a type, a default and one line of help,
// and `lokal serve --help` prints the table.
#pragma once

#include "core/result.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lokal::config {

struct settings {
    std::string host = "127.0.0.1";          // address to bind / to connect to
    int port = 11434;
    std::string models_dir;                  // LOKAL_MODELS
    bool noprune = false;                    // LOKAL_NOPRUNE: keep unreferenced blobs at startup
    std::string data_dir;                    // LOKAL_DATA: chats database (lokal.db)
    std::string audit_log;                   // LOKAL_AUDIT_LOG: default <data_dir>/audit.log
    std::vector<std::string> modelfile_dirs; // LOKAL_MODELFILE_DIRS: more folders FROM/ADAPTER files may come from
    std::chrono::milliseconds keep_alive{5 * 60 * 1000};  // negative: forever
    int max_loaded_models = 3;
    int num_parallel = 1;
    int max_queue = 512;
    uint64_t max_memory = 0;                 // bytes loaded models may use; 0: what the system has free
    int num_threads = 0;                     // 0: llama.cpp's default for this machine
    int flash_attention = -1;                // LOKAL_FLASH_ATTENTION: -1 auto, 0 off, 1 on
    std::string kv_cache_type = "f16";       // LOKAL_KV_CACHE_TYPE
    uint64_t prompt_cache_bytes = 4ull << 30;  // LOKAL_PROMPT_CACHE, per loaded model
    int ngram_draft = 0;                     // LOKAL_NGRAM_DRAFT: prompt-lookup draft tokens per step (0: off)
    int draft_num_predict = 4;               // LOKAL_DRAFT_NUM_PREDICT: draft-model tokens per step (0: off)
    bool debug = false;
    int64_t max_body_bytes = 64ll << 20;     // JSON bodies; blob uploads have their own limit
    int64_t max_blob_bytes = 256ll << 30;
    std::string registry_auth_file;          // Docker-shaped JSON with registry logins
    int pull_parts = 8;                      // concurrent ranged requests per blob on pull
    int64_t pull_part_size = 100ll << 20;    // smallest part a blob is split into
    int64_t push_chunk_size = 64ll << 20;    // larger blobs are uploaded in PATCH chunks of this size
    bool tls_scheme = false;                 // LOKAL_HOST said https:// (clients connect with TLS)

    // Network exposure (see http/guard.h).
    bool insecure_no_auth = false;           // LOKAL_INSECURE_NO_AUTH: serve a non-loopback bind without auth
    bool auth = false;                       // LOKAL_AUTH: every request needs an API key or a session (auth/)
    bool encrypt_chats = false;              // LOKAL_ENCRYPT_CHATS: chats sealed per user at rest (vault/); needs auth
    std::string api_key;                     // LOKAL_API_KEY: the key the CLI sends (Authorization: Bearer)
    int rate_limit = 0;                      // LOKAL_RATE_LIMIT: requests per minute per key or session; 0: none
    std::vector<std::string> allowed_hosts;  // LOKAL_ALLOWED_HOSTS: extra Host header names
    std::vector<std::string> origins;        // LOKAL_ORIGINS: CORS origins ("*" wildcards allowed)
    bool cors_credentials = false;           // LOKAL_CORS_CREDENTIALS
    std::string tls_cert;                    // LOKAL_TLS_CERT / LOKAL_TLS_KEY: PEM files; both or neither
    std::string tls_key;

    // Connection and request limits.
    int max_connections = 256;
    std::chrono::milliseconds header_timeout{10'000};  // request line + headers, whole
    std::chrono::milliseconds body_timeout{60'000};    // a JSON body, whole (blob uploads: idle only)
    std::chrono::milliseconds idle_timeout{5'000};     // keep-alive wait for a connection's next request
    int64_t max_tokens = 0;                  // cap on generated tokens per request; 0: none
    std::chrono::milliseconds request_timeout{0};      // wall time per generation request; 0: none

    std::string base_url() const;            // "http://host:port" for clients
};

// The KV-cache element types llama.cpp accepts (llama-server's list).
bool is_kv_cache_type(std::string_view name);
// "auto", or a boolean: -1 (auto), 0 or 1; nullopt when it is neither.
std::optional<int> parse_flash_attention(std::string_view text);

// A variable as the help table shows it.
struct variable {
    const char * name;
    const char * default_text;
    const char * help;
};
const std::vector<variable> & variables();

// Reads the settings from an environment lookup (getenv in production, a map
// in tests). Bad values are errors that name the variable, never silently true.
using env_lookup = std::function<const char *(const char *)>;
result<settings> load(const env_lookup & env);
result<settings> load_from_process_env();

// Parses an Ollama-style host: "host", "host:port", "scheme://host:port",
// "[::1]:port", ":port". Fills host and port of s.
status parse_host(std::string_view text, settings & s);

// Ollama's duration syntax for keep_alive and friends: a Go duration string
// ("5m", "1h30m", "-1s", "300ms") or a plain number of seconds.
result<std::chrono::milliseconds> parse_duration(std::string_view text);

// A byte size: a plain number of bytes or a number with a unit, binary
// (KiB, MiB, GiB, TiB; K, M, G, T) or decimal (KB, MB, GB, TB): "8GiB", "1.5G".
result<uint64_t> parse_size(std::string_view text);

std::string help_table();

}  // namespace lokal::config
