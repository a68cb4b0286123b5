// A small C++ client of lokal's own REST API (the Ollama API). The CLI uses
// it for every subcommand except `serve`, and tests use it against a real
// server. It knows HTTP and JSON, nothing about the server's internals.
#pragma once

#include "core/json.h"
#include "core/result.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

namespace httplib {
class Client;
}

namespace lokal::client {

// Called once per NDJSON object of a streamed response; return false to stop
// the stream (the connection is closed, the call returns errc::canceled).
using object_callback = std::function<bool(const json &)>;

// Bytes sent so far and the total; return false to abort the upload.
using progress_callback = std::function<bool(int64_t done, int64_t total)>;

class client {
public:
    // base_url: "http://host:port" (config::settings::base_url()). api_key,
    // when set, goes with every request as "Authorization: Bearer" (LOKAL_API_KEY).
    explicit client(std::string base_url, std::string api_key = "");
    ~client();
    client(const client &) = delete;
    client & operator=(const client &) = delete;

    const std::string & base_url() const { return base_url_; }

    // JSON requests. A 2xx response yields its body as JSON (null when the
    // body is empty); anything else an error carrying the server's message.
    result<json> get(const std::string & path);
    result<json> post(const std::string & path, const json & body);
    result<json> del(const std::string & path, const json & body);

    // The server's own version: lokal's X-Lokal-Version header of
    // /api/version (its body carries the Ollama API version lokal follows),
    // or the body's version for an Ollama server.
    result<std::string> server_version();

    // HEAD: the HTTP status code (a 404 is an answer, not an error here).
    result<int> head(const std::string & path);

    // POST with a streamed NDJSON answer. An object carrying "error" ends the
    // stream with that error, as Ollama's client does.
    status stream(const std::string & path, const json & body, const object_callback & on_object);

    // POST /api/blobs/<digest> with the file's bytes.
    status upload_blob(const std::string & digest, const std::string & file_path,
                       const progress_callback & on_progress = nullptr);

    // Thread-safe (a signal-watching thread calls it): aborts the request in
    // flight, which then returns errc::canceled. Later requests work again.
    void cancel();

private:
    struct response {
        int status = 0;
        std::string body;
        std::string lokal_version;  // X-Lokal-Version, when the server sent it
    };
    result<response> send_json(const std::string & method, const std::string & path, const json * body);
    // send_json, then a 2xx body as JSON or the server's error.
    result<json> request_json(const std::string & method, const std::string & path, const json * body);
    error connection_error(int httplib_error) const;
    error cancel_or(error e);
    httplib::Client & http();

    std::string base_url_;
    std::string api_key_;
    std::unique_ptr<httplib::Client> http_;
    std::mutex http_mutex_;  // guards http_ against cancel() from another thread
    std::atomic<bool> canceled_{false};
};

// The message of an error body: {"error": "..."} when it is JSON, else the
// body itself (trimmed), else a generic text naming the status code.
std::string error_message(int http_status, const std::string & body);

// Maps an HTTP status to our error code.
errc errc_from_status(int http_status);

}  // namespace lokal::client
