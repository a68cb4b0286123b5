#include "config/config.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <thread>

namespace lokal::config {

namespace {

std::string default_models_dir(const env_lookup & env) {
    const char * home = env("HOME");
    return std::string(home && *home ? home : ".") + "/.lokal/models";
}

result<int64_t> parse_int(const char * name, std::string_view text, int64_t lo, int64_t hi) {
    std::string s(text);
    char * end = nullptr;
    errno = 0;
    long long v = std::strtoll(s.c_str(), &end, 10);
    if (s.empty() || errno != 0 || *end != '\0' || v < lo || v > hi) {
        return make_error(errc::invalid_request, std::string(name) + ": expected an integer from " +
                                                     std::to_string(lo) + " to " + std::to_string(hi) +
                                                     ", got \"" + s + "\"");
    }
    return static_cast<int64_t>(v);
}

result<bool> parse_bool(const char * name, std::string_view text) {
    if (text == "1" || text == "true" || text == "TRUE" || text == "True") return true;
    if (text == "0" || text == "false" || text == "FALSE" || text == "False" || text.empty()) return false;
    return make_error(errc::invalid_request,
                      std::string(name) + ": expected true/false/1/0, got \"" + std::string(text) + "\"");
}

std::vector<std::string> parse_list(std::string_view text) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start <= text.size()) {
        size_t comma = text.find(',', start);
        if (comma == std::string_view::npos) comma = text.size();
        std::string item(text.substr(start, comma - start));
        while (!item.empty() && std::isspace(static_cast<unsigned char>(item.back()))) item.pop_back();
        size_t b = item.find_first_not_of(" \t");
        if (b != std::string::npos && !item.empty()) out.push_back(item.substr(b));
        start = comma + 1;
    }
    return out;
}

int default_parallel() {
    // One slot per core is a poor fit for CPU decoding; a few slots batch well.
    unsigned n = std::thread::hardware_concurrency();
    return n >= 8 ? 4 : (n >= 4 ? 2 : 1);
}

}  // namespace

const std::vector<variable> & variables() {
    static const std::vector<variable> vars = {
        {"LOKAL_HOST", "127.0.0.1:11434", "address to listen on (serve) or connect to (clients); OLLAMA_HOST is used when unset"},
        {"LOKAL_MODELS", "~/.lokal/models", "model store, laid out as Ollama's; OLLAMA_MODELS is used when unset"},
        {"LOKAL_NOPRUNE", "false", "keep the blobs no model uses when the server starts (deleted otherwise, as Ollama does); OLLAMA_NOPRUNE is used when unset"},
        {"LOKAL_DATA", "~/.lokal", "folder of lokal's own data: the chat database lokal.db (web UI conversations)"},
        {"LOKAL_AUDIT_LOG", "$LOKAL_DATA/audit.log", "append-only audit log (JSON lines) of model management, account changes and refused requests; rotate by renaming it"},
        {"LOKAL_MODELFILE_DIRS", "", "lokal create: folders besides the Modelfile's own that FROM/ADAPTER files may come from, ':'-separated"},
        {"LOKAL_KEEP_ALIVE", "5m", "how long a model stays loaded after its last request (duration or seconds; negative: forever)"},
        {"LOKAL_MAX_LOADED_MODELS", "3", "most models loaded at once"},
        {"LOKAL_NUM_PARALLEL", "auto", "parallel sequences (slots) per loaded model"},
        {"LOKAL_MAX_QUEUE", "512", "most requests waiting for a model before new ones get 503"},
        {"LOKAL_MAX_MEMORY", "auto", "memory all loaded models may use, e.g. 12GiB, their prompt caches aside (LOKAL_PROMPT_CACHE) (auto: what the system has available)"},
        {"LOKAL_NUM_THREADS", "auto", "CPU threads for inference"},
        {"LOKAL_NGRAM_DRAFT", "0", "speculative decoding by prompt lookup: tokens drafted per step from n-grams of the text so far (0: off; the option ngram_draft overrides it)"},
        {"LOKAL_DRAFT_NUM_PREDICT", "4", "speculative decoding for models with a DRAFT model: tokens the draft model guesses per step (0: off; the option draft_num_predict overrides it)"},
        {"LOKAL_FLASH_ATTENTION", "auto", "flash attention: auto (off on the CPU only, llama.cpp's choice on GPUs), true or false (a model's flash_attention parameter overrides it)"},
        {"LOKAL_KV_CACHE_TYPE", "f16", "KV-cache type: f16, q8_0, q4_0, ... (quantized types need flash attention; a model's kv_cache_type parameter overrides it)"},
        {"LOKAL_PROMPT_CACHE", "4GiB", "host RAM each loaded model may use to keep the KV cache of conversations that lost their slot to another, so that their next turn resumes without evaluating the history again (0: off)"},
        {"LOKAL_MAX_BODY", "67108864", "largest JSON request body in bytes"},
        {"LOKAL_MAX_BLOB", "274877906944", "largest blob upload (POST /api/blobs) in bytes, checked before anything is written"},
        {"LOKAL_AUTH", "false", "require an API key or a web login for every request but /, /api/version and the web UI's files (see `lokal user --help`)"},
        {"LOKAL_ENCRYPT_CHATS", "false", "encrypt the web UI's stored chats with a per-user key that only the user's password unlocks (needs LOKAL_AUTH; chats are then readable only through a web sign-in, not with API keys)"},
        {"LOKAL_API_KEY", "", "API key the lokal CLI sends to the server (Authorization: Bearer); also selects the API for `lokal user|key`"},
        {"LOKAL_RATE_LIMIT", "0", "most requests per minute per API key or web session, with LOKAL_AUTH (0: no limit); more get 429"},
        {"LOKAL_INSECURE_NO_AUTH", "false", "allow listening on a non-loopback address without authentication (logged loudly)"},
        {"LOKAL_ALLOWED_HOSTS", "", "extra names accepted in the Host header, comma-separated (localhost, loopback IPs and the bound address always are)"},
        {"LOKAL_ORIGINS", "", "browser origins allowed to call the API (CORS), comma-separated, '*' wildcards (e.g. https://app.example.com,http://localhost:*)"},
        {"LOKAL_CORS_CREDENTIALS", "false", "send Access-Control-Allow-Credentials to allowed origins (refused together with a wildcard origin)"},
        {"LOKAL_TLS_CERT", "", "PEM certificate (chain) file: serve HTTPS, TLS 1.2+ (needs LOKAL_TLS_KEY)"},
        {"LOKAL_TLS_KEY", "", "PEM private key file for LOKAL_TLS_CERT"},
        {"LOKAL_MAX_CONNECTIONS", "256", "most open client connections; a new one closes the longest-idle one, or gets 503 if all are busy"},
        {"LOKAL_HEADER_TIMEOUT", "10s", "time a client has to send a request's line and headers, in total"},
        {"LOKAL_BODY_TIMEOUT", "60s", "time a client has to send a JSON request body, in total (blob uploads: only the idle limit)"},
        {"LOKAL_IDLE_TIMEOUT", "5s", "how long a kept-alive connection may wait for its next request"},
        {"LOKAL_MAX_TOKENS", "0", "most tokens generated per request, whatever num_predict asks (0: no cap)"},
        {"LOKAL_REQUEST_TIMEOUT", "0", "longest wall time of one generation request; it then stops with an error (0: none)"},
        {"LOKAL_REGISTRY_AUTH_FILE", "", "JSON file with registry logins, Docker's {\"auths\": {...}} shape (never on the command line)"},
        {"LOKAL_PULL_PARTS", "8", "most byte ranges of one blob downloaded at once on pull"},
        {"LOKAL_PULL_PART_SIZE", "104857600", "smallest byte range a blob is split into on pull (smaller blobs: one request)"},
        {"LOKAL_PUSH_CHUNK_SIZE", "67108864", "larger blobs are uploaded in chunks of this many bytes on push"},
        {"LOKAL_DEBUG", "false", "log llama.cpp and request details"},
    };
    return vars;
}

std::string settings::base_url() const {
    std::string h = host;
    if (h == "0.0.0.0" || h.empty()) h = "127.0.0.1";
    if (h == "::") h = "::1";
    if (h.find(':') != std::string::npos) h = "[" + h + "]";
    return std::string(tls_scheme ? "https://" : "http://") + h + ":" + std::to_string(port);
}

status parse_host(std::string_view text, settings & s) {
    std::string t(text);
    while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.pop_back();
    while (!t.empty() && std::isspace(static_cast<unsigned char>(t.front()))) t.erase(0, 1);
    int default_port = 11434;
    if (auto p = t.find("://"); p != std::string::npos) {
        std::string scheme = t.substr(0, p);
        s.tls_scheme = scheme == "https";
        if (scheme == "http") default_port = 80;
        else if (scheme == "https") default_port = 443;
        else return make_error(errc::invalid_request, "LOKAL_HOST: unsupported scheme \"" + scheme + "\"");
        t = t.substr(p + 3);
    }
    if (auto slash = t.find('/'); slash != std::string::npos) t = t.substr(0, slash);

    std::string host = t;
    std::string port;
    if (!t.empty() && t.front() == '[') {
        auto close = t.find(']');
        if (close == std::string::npos) return make_error(errc::invalid_request, "LOKAL_HOST: unbalanced '['");
        host = t.substr(1, close - 1);
        if (close + 1 < t.size()) {
            if (t[close + 1] != ':') return make_error(errc::invalid_request, "LOKAL_HOST: bad address \"" + t + "\"");
            port = t.substr(close + 2);
        }
    } else if (auto colon = t.rfind(':'); colon != std::string::npos && t.find(':') == colon) {
        host = t.substr(0, colon);
        port = t.substr(colon + 1);
    }
    if (host.empty()) host = "127.0.0.1";
    s.host = host;
    if (port.empty()) {
        s.port = default_port;
        return {};
    }
    auto p = parse_int("LOKAL_HOST port", port, 0, 65535);
    if (!p) return p.err();
    s.port = static_cast<int>(*p);
    return {};
}

result<std::chrono::milliseconds> parse_duration(std::string_view text) {
    using std::chrono::milliseconds;
    auto bad = [&] {
        return make_error(errc::invalid_request, "invalid duration \"" + std::string(text) + "\"");
    };
    if (text.empty()) return bad();
    // A plain number is seconds.
    {
        std::string s(text);
        char * end = nullptr;
        errno = 0;
        double v = std::strtod(s.c_str(), &end);
        if (errno == 0 && end && *end == '\0' && std::isfinite(v)) {
            if (v < 0) return milliseconds(-1);
            if (v > 1e12) return bad();
            return milliseconds(static_cast<int64_t>(std::llround(v * 1000)));
        }
    }
    // A Go duration: [-+]? (number unit)+
    size_t i = 0;
    bool neg = false;
    if (text[i] == '-' || text[i] == '+') {
        neg = text[i] == '-';
        ++i;
    }
    if (i == text.size()) return bad();
    double total_ms = 0;
    while (i < text.size()) {
        size_t start = i;
        while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
        if (i == start) return bad();
        std::string num(text.substr(start, i - start));
        char * end = nullptr;
        double v = std::strtod(num.c_str(), &end);
        if (!end || *end != '\0') return bad();
        size_t ustart = i;
        while (i < text.size() && !std::isdigit(static_cast<unsigned char>(text[i])) && text[i] != '.') ++i;
        std::string_view unit = text.substr(ustart, i - ustart);
        double scale;
        if (unit == "h") scale = 3600e3;
        else if (unit == "m") scale = 60e3;
        else if (unit == "s") scale = 1e3;
        else if (unit == "ms") scale = 1;
        else if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") scale = 1e-3;
        else if (unit == "ns") scale = 1e-6;
        else return bad();
        total_ms += v * scale;
        if (total_ms > 1e15) return bad();
    }
    if (neg && total_ms > 0) return milliseconds(-1);
    return milliseconds(static_cast<int64_t>(total_ms));
}

result<uint64_t> parse_size(std::string_view text) {
    std::string s(text);
    auto bad = [&] {
        return make_error(errc::invalid_request, "expected a size such as 8GiB, 512MiB or a number of bytes, got \"" + s + "\"");
    };
    char * end = nullptr;
    errno = 0;
    double v = std::strtod(s.c_str(), &end);
    if (s.empty() || end == s.c_str() || errno != 0 || !std::isfinite(v) || v < 0) return bad();
    std::string unit(end);
    static const std::pair<const char *, double> units[] = {
        {"", 1},          {"B", 1},
        {"K", 0x1p10},    {"KiB", 0x1p10}, {"KB", 1e3},
        {"M", 0x1p20},    {"MiB", 0x1p20}, {"MB", 1e6},
        {"G", 0x1p30},    {"GiB", 0x1p30}, {"GB", 1e9},
        {"T", 0x1p40},    {"TiB", 0x1p40}, {"TB", 1e12},
    };
    for (const auto & [name, scale] : units) {
        if (unit != name) continue;
        double bytes = v * scale;
        if (bytes >= 0x1p63) return bad();
        return static_cast<uint64_t>(bytes);
    }
    return bad();
}

namespace {

// The booleans, lists, files and durations of network exposure and limits.
template <class Get>
status load_security(const Get & get, settings & s) {
    struct bool_var {
        const char * name;
        bool * out;
    };
    const bool_var bools[] = {{"LOKAL_DEBUG", &s.debug},
                              {"LOKAL_INSECURE_NO_AUTH", &s.insecure_no_auth},
                              {"LOKAL_AUTH", &s.auth},
                              {"LOKAL_ENCRYPT_CHATS", &s.encrypt_chats},
                              {"LOKAL_CORS_CREDENTIALS", &s.cors_credentials}};
    for (const auto & bv : bools) {
        const char * v = get(bv.name);
        if (!v) continue;
        auto b = parse_bool(bv.name, v);
        if (!b) return b.err();
        *bv.out = *b;
    }
    struct duration_var {
        const char * name;
        std::chrono::milliseconds * out;
        bool zero_ok;
    };
    const duration_var durations[] = {{"LOKAL_HEADER_TIMEOUT", &s.header_timeout, false},
                                      {"LOKAL_BODY_TIMEOUT", &s.body_timeout, false},
                                      {"LOKAL_IDLE_TIMEOUT", &s.idle_timeout, false},
                                      {"LOKAL_REQUEST_TIMEOUT", &s.request_timeout, true}};
    for (const auto & dv : durations) {
        const char * v = get(dv.name);
        if (!v) continue;
        auto d = parse_duration(v);
        if (!d || d->count() < 0 || (d->count() == 0 && !dv.zero_ok)) {
            return make_error(errc::invalid_request, std::string(dv.name) + ": expected a positive duration (\"10s\", \"2m\"), got \"" +
                                                         v + "\"");
        }
        *dv.out = *d;
    }
    if (const char * v = get("LOKAL_ALLOWED_HOSTS")) s.allowed_hosts = parse_list(v);
    if (const char * v = get("LOKAL_ORIGINS")) s.origins = parse_list(v);
    if (const char * v = get("LOKAL_TLS_CERT")) s.tls_cert = v;
    if (const char * v = get("LOKAL_TLS_KEY")) s.tls_key = v;
    if (const char * v = get("LOKAL_API_KEY")) s.api_key = v;
    if (s.tls_cert.empty() != s.tls_key.empty()) {
        return make_error(errc::invalid_request, "LOKAL_TLS_CERT and LOKAL_TLS_KEY must be set together");
    }
    if (s.cors_credentials) {
        for (const auto & o : s.origins) {
            if (o.find('*') != std::string::npos) {
                return make_error(errc::invalid_request, "LOKAL_ORIGINS: the wildcard origin \"" + o +
                                                             "\" cannot be combined with LOKAL_CORS_CREDENTIALS=1 "
                                                             "(any web page could then call the API with the user's credentials)");
            }
        }
    }
    return {};
}

}  // namespace

bool is_kv_cache_type(std::string_view name) {
    static constexpr std::string_view types[] = {"f32", "f16", "bf16", "q8_0", "q4_0", "q4_1", "iq4_nl", "q5_0", "q5_1"};
    for (auto t : types) {
        if (t == name) return true;
    }
    return false;
}

std::optional<int> parse_flash_attention(std::string_view text) {
    if (text == "auto") return -1;
    if (text == "1" || text == "true" || text == "TRUE" || text == "True" || text == "on") return 1;
    if (text == "0" || text == "false" || text == "FALSE" || text == "False" || text == "off") return 0;
    return std::nullopt;
}

namespace {

// LOKAL_FLASH_ATTENTION, LOKAL_KV_CACHE_TYPE and LOKAL_PROMPT_CACHE: how models are loaded.
template <class Get>
status load_engine(const Get & get, settings & s) {
    if (const char * v = get("LOKAL_FLASH_ATTENTION")) {
        auto fa = parse_flash_attention(v);
        if (!fa) {
            return make_error(errc::invalid_request, "LOKAL_FLASH_ATTENTION: expected auto, true or false, got \"" +
                                                         std::string(v) + "\"");
        }
        s.flash_attention = *fa;
    }
    if (const char * v = get("LOKAL_KV_CACHE_TYPE")) {
        if (!is_kv_cache_type(v)) {
            return make_error(errc::invalid_request, "LOKAL_KV_CACHE_TYPE: unsupported type \"" + std::string(v) +
                                                         "\" (f32, f16, bf16, q8_0, q4_0, q4_1, iq4_nl, q5_0, q5_1)");
        }
        s.kv_cache_type = v;
    }
    if (const char * v = get("LOKAL_PROMPT_CACHE")) {
        auto n = parse_size(v);
        if (!n) return make_error(errc::invalid_request, "LOKAL_PROMPT_CACHE: " + n.err().message);
        s.prompt_cache_bytes = *n;
    }
    return {};
}

}  // namespace

result<settings> load(const env_lookup & env) {
    settings s;
    auto get = [&](const char * name) -> const char * {
        const char * v = env(name);
        return v && *v ? v : nullptr;
    };

    if (const char * v = get("LOKAL_HOST") ? get("LOKAL_HOST") : get("OLLAMA_HOST")) {
        if (auto st = parse_host(v, s); !st) return st.err();
    }
    if (const char * v = get("LOKAL_MODELS") ? get("LOKAL_MODELS") : get("OLLAMA_MODELS")) {
        s.models_dir = v;
    } else {
        s.models_dir = default_models_dir(env);
    }
    const char * noprune = get("LOKAL_NOPRUNE") ? "LOKAL_NOPRUNE" : "OLLAMA_NOPRUNE";
    if (const char * v = get(noprune)) {
        auto b = parse_bool(noprune, v);
        if (!b) return b.err();
        s.noprune = *b;
    }
    if (const char * v = get("LOKAL_DATA")) {
        s.data_dir = v;
    } else {
        const char * home = env("HOME");
        s.data_dir = std::string(home && *home ? home : ".") + "/.lokal";
    }
    s.audit_log = get("LOKAL_AUDIT_LOG") ? get("LOKAL_AUDIT_LOG") : s.data_dir + "/audit.log";
    if (const char * v = get("LOKAL_MODELFILE_DIRS")) {
        std::string_view rest(v);
        while (!rest.empty()) {
            size_t colon = rest.find(':');
            if (colon != 0) s.modelfile_dirs.emplace_back(rest.substr(0, colon));
            rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
        }
    }
    if (const char * v = get("LOKAL_KEEP_ALIVE")) {
        auto d = parse_duration(v);
        if (!d) return make_error(errc::invalid_request, "LOKAL_KEEP_ALIVE: " + d.err().message);
        s.keep_alive = *d;
    }
    struct int_var {
        const char * name;
        int64_t lo, hi;
        int64_t * out64;
        int * out;
    };
    int64_t body = s.max_body_bytes;
    const int_var ints[] = {
        {"LOKAL_MAX_LOADED_MODELS", 1, 64, nullptr, &s.max_loaded_models},
        {"LOKAL_NGRAM_DRAFT", 0, 64, nullptr, &s.ngram_draft},
        {"LOKAL_DRAFT_NUM_PREDICT", 0, 1 << 10, nullptr, &s.draft_num_predict},
        {"LOKAL_NUM_PARALLEL", 1, 256, nullptr, &s.num_parallel},
        {"LOKAL_MAX_QUEUE", 1, 1 << 20, nullptr, &s.max_queue},
        {"LOKAL_NUM_THREADS", 0, 1024, nullptr, &s.num_threads},
        {"LOKAL_MAX_BODY", 1024, 1ll << 34, &body, nullptr},
        {"LOKAL_PULL_PARTS", 1, 64, nullptr, &s.pull_parts},
        {"LOKAL_PULL_PART_SIZE", 4096, 1ll << 40, &s.pull_part_size, nullptr},
        {"LOKAL_PUSH_CHUNK_SIZE", 4096, 1ll << 40, &s.push_chunk_size, nullptr},
        {"LOKAL_MAX_BLOB", 1024, 1ll << 50, &s.max_blob_bytes, nullptr},
        {"LOKAL_MAX_CONNECTIONS", 1, 65536, nullptr, &s.max_connections},
        {"LOKAL_MAX_TOKENS", 0, 1ll << 31, &s.max_tokens, nullptr},
        {"LOKAL_RATE_LIMIT", 0, 1 << 20, nullptr, &s.rate_limit},
    };
    s.num_parallel = default_parallel();
    for (const auto & iv : ints) {
        const char * v = get(iv.name);
        if (!v) continue;
        auto n = parse_int(iv.name, v, iv.lo, iv.hi);
        if (!n) return n.err();
        if (iv.out) *iv.out = static_cast<int>(*n);
        if (iv.out64) *iv.out64 = *n;
    }
    s.max_body_bytes = body;
    if (const char * v = get("LOKAL_MAX_MEMORY"); v && std::string_view(v) != "auto") {
        auto n = parse_size(v);
        if (!n) return make_error(errc::invalid_request, "LOKAL_MAX_MEMORY: " + n.err().message);
        s.max_memory = *n;
    }
    if (auto st = load_engine(get, s); !st) return st.err();
    if (auto st = load_security(get, s); !st) return st.err();
    if (const char * v = get("LOKAL_REGISTRY_AUTH_FILE")) s.registry_auth_file = v;
    return s;
}

result<settings> load_from_process_env() {
    return load([](const char * name) { return std::getenv(name); });
}

std::string help_table() {
    std::string out = "Environment variables:\n";
    for (const auto & v : variables()) {
        std::string line = "  ";
        line += v.name;
        line.resize(28, ' ');
        line += v.help;
        if (*v.default_text) line += std::string(" (default: ") + v.default_text + ")";
        out += line + "\n";
    }
    return out;
}

}  // namespace lokal::config
