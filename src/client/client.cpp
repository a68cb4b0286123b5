#include "client/client.h"

#include <cpp-httplib/httplib.h>

#include <cstdio>
#include <algorithm>
#include <fstream>
#include <optional>
#include <vector>

namespace lokal::client {

namespace {

// Generation can sit silent for a long time (a model loading, a long prompt
// being read); Ctrl+C, not a timer, is how a user gives up.
constexpr time_t read_timeout_seconds = 24 * 3600;
constexpr size_t upload_chunk_bytes = 1 << 20;
// One NDJSON line is one token or status; a line this long means a broken server.
constexpr size_t max_line_bytes = 64ull << 20;

std::string trim(std::string s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
    size_t b = 0;
    while (b < s.size() && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
    return s.substr(b);
}

}  // namespace

errc errc_from_status(int http_status) {
    switch (http_status) {
        case 400: return errc::invalid_request;
        case 401: return errc::unauthorized;
        case 403: return errc::forbidden;
        case 404: return errc::not_found;
        case 409: return errc::conflict;
        case 413: return errc::too_large;
        case 429:
        case 503: return errc::unavailable;
        default: return http_status >= 400 && http_status < 500 ? errc::invalid_request : errc::internal;
    }
}

std::string error_message(int http_status, const std::string & body) {
    json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (j.is_object() && j.contains("error")) {
        const json & e = j["error"];
        if (e.is_string()) return e.get<std::string>();
        // OpenAI-style {"error": {"message": ...}} from a proxy in between.
        if (e.is_object() && e.contains("message") && e["message"].is_string()) return e["message"].get<std::string>();
        return e.dump();
    }
    std::string text = trim(body);
    if (!text.empty()) return text;
    return "unexpected server response: HTTP " + std::to_string(http_status);
}

client::client(std::string base_url, std::string api_key)
    : base_url_(std::move(base_url)), api_key_(std::move(api_key)) {}

client::~client() = default;

httplib::Client & client::http() {
    std::lock_guard<std::mutex> lock(http_mutex_);
    if (!http_) {
        http_ = std::make_unique<httplib::Client>(base_url_);
        http_->set_read_timeout(read_timeout_seconds, 0);
        http_->set_write_timeout(read_timeout_seconds, 0);
        http_->set_connection_timeout(10, 0);
        http_->set_keep_alive(true);
        httplib::Headers headers{{"User-Agent", std::string("lokal/") + LOKAL_VERSION}};
        if (!api_key_.empty()) headers.emplace("Authorization", "Bearer " + api_key_);
        http_->set_default_headers(std::move(headers));
    }
    canceled_ = false;
    return *http_;
}

void client::cancel() {
    canceled_ = true;
    std::lock_guard<std::mutex> lock(http_mutex_);
    if (http_) http_->stop();
}

error client::connection_error(int httplib_error) const {
    auto err = static_cast<httplib::Error>(httplib_error);
    if (err == httplib::Error::Connection || err == httplib::Error::ConnectionTimeout) {
        // The wording follows Ollama's, so people and scripts recognise it.
        return make_error(errc::unavailable, "could not connect to lokal server at " + base_url_ +
                                                 ", is it running? (start it with 'lokal serve')");
    }
    return make_error(errc::unavailable, "lost connection to lokal server at " + base_url_ + ": " +
                                             httplib::to_string(err));
}

error client::cancel_or(error e) {
    if (canceled_) return make_error(errc::canceled, "canceled");
    return e;
}

result<client::response> client::send_json(const std::string & method, const std::string & path,
                                            const json * body) {
    httplib::Client & h = http();
    httplib::Request req;
    req.method = method;
    req.path = path;
    req.headers = {{"Accept", "application/json"}};
    if (body) {
        req.body = body->dump();
        req.headers.emplace("Content-Type", "application/json");
    }
    httplib::Result res = h.send(req);
    if (!res) return cancel_or(connection_error(static_cast<int>(res.error())));
    return response{res->status, res->body, res->get_header_value("X-Lokal-Version")};
}

result<std::string> client::server_version() {
    auto r = send_json("GET", "/api/version", nullptr);
    if (!r) return r.err();
    if (r->status >= 300) return make_error(errc_from_status(r->status), error_message(r->status, r->body));
    if (!r->lokal_version.empty()) return r->lokal_version;
    json j = json::parse(r->body, nullptr, false);
    if (j.is_object() && j.contains("version") && j["version"].is_string()) return j["version"].get<std::string>();
    return make_error(errc::internal, "the server sent no version");
}

result<json> client::request_json(const std::string & method, const std::string & path, const json * body) {
    auto r = send_json(method, path, body);
    if (!r) return r.err();
    if (r->status >= 300) return make_error(errc_from_status(r->status), error_message(r->status, r->body));
    if (trim(r->body).empty()) return json();
    json j = json::parse(r->body, nullptr, false);
    // A DELETE's answer carries nothing the caller needs: tolerate any body.
    if (j.is_discarded()) {
        if (method == "DELETE") return json();
        return make_error(errc::internal, "invalid JSON from server for " + path);
    }
    return j;
}

result<json> client::get(const std::string & path) { return request_json("GET", path, nullptr); }
result<json> client::post(const std::string & path, const json & body) { return request_json("POST", path, &body); }
result<json> client::del(const std::string & path, const json & body) { return request_json("DELETE", path, &body); }

result<int> client::head(const std::string & path) {
    httplib::Client & h = http();
    httplib::Result res = h.Head(path);
    if (!res) return cancel_or(connection_error(static_cast<int>(res.error())));
    return res->status;
}

status client::stream(const std::string & path, const json & body, const object_callback & on_object) {
    httplib::Client & h = http();
    int http_status = 0;
    std::string pending;     // bytes of a line not yet complete
    std::string error_body;  // the whole body when the status says failure
    std::optional<error> stream_error;
    bool stopped_by_caller = false;

    auto handle_line = [&](const std::string & line) -> bool {
        if (trim(line).empty()) return true;
        json j = json::parse(line, nullptr, false);
        if (j.is_discarded()) {
            stream_error = make_error(errc::internal, "invalid JSON in stream: " + trim(line));
            return false;
        }
        if (j.is_object() && j.contains("error")) {
            stream_error = make_error(errc::internal, error_message(200, line));
            return false;
        }
        if (!on_object(j)) {
            stopped_by_caller = true;
            return false;
        }
        return true;
    };

    httplib::Request req;
    req.method = "POST";
    req.path = path;
    req.headers = {{"Accept", "application/x-ndjson"}, {"Content-Type", "application/json"}};
    req.body = body.dump();
    req.response_handler = [&](const httplib::Response & r) {
        http_status = r.status;
        return true;
    };
    req.content_receiver = [&](const char * data, size_t n, size_t, size_t) {
        if (http_status >= 300) {
            error_body.append(data, n);
            return error_body.size() < max_line_bytes;
        }
        pending.append(data, n);
        size_t start = 0;
        for (size_t nl; (nl = pending.find('\n', start)) != std::string::npos; start = nl + 1) {
            if (!handle_line(pending.substr(start, nl - start))) return false;
        }
        pending.erase(0, start);
        return pending.size() < max_line_bytes;
    };

    httplib::Result res = h.send(req);
    if (stream_error) return *stream_error;
    if (stopped_by_caller) return make_error(errc::canceled, "canceled");
    if (!res) return cancel_or(connection_error(static_cast<int>(res.error())));
    if (http_status >= 300) return make_error(errc_from_status(http_status), error_message(http_status, error_body));
    if (!pending.empty() && !handle_line(pending)) {
        if (stream_error) return *stream_error;
        return make_error(errc::canceled, "canceled");
    }
    return {};
}

status client::upload_blob(const std::string & digest, const std::string & file_path,
                           const progress_callback & on_progress) {
    std::ifstream in(file_path, std::ios::binary | std::ios::ate);
    if (!in) return make_error(errc::not_found, "open " + file_path + ": no such file or directory");
    const auto size = static_cast<int64_t>(in.tellg());
    in.seekg(0);

    std::vector<char> buf(upload_chunk_bytes);
    std::optional<error> read_error;
    auto provider = [&](size_t offset, size_t length, httplib::DataSink & sink) {
        size_t want = std::min(length, buf.size());
        in.seekg(static_cast<std::streamoff>(offset));
        in.read(buf.data(), static_cast<std::streamsize>(want));
        if (in.gcount() != static_cast<std::streamsize>(want)) {
            read_error = make_error(errc::internal, "read " + file_path + ": file changed while uploading");
            return false;
        }
        if (!sink.write(buf.data(), want)) return false;
        if (on_progress && !on_progress(static_cast<int64_t>(offset + want), size)) {
            canceled_ = true;
            return false;
        }
        return true;
    };

    httplib::Client & h = http();
    httplib::Result res = h.Post("/api/blobs/" + digest, static_cast<size_t>(size), provider,
                                 "application/octet-stream");
    if (read_error) return *read_error;
    if (!res) return cancel_or(connection_error(static_cast<int>(res.error())));
    if (res->status >= 300) return make_error(errc_from_status(res->status), error_message(res->status, res->body));
    return {};
}

}  // namespace lokal::client
