#include "http/server.h"

#include <cpp-httplib/httplib.h>

#include <algorithm>
#include <cctype>
#include <map>

#include <sys/socket.h>

namespace lokal::http {

namespace {

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

request convert(const httplib::Request & r) {
    request out;
    out.method = r.method;
    out.path = r.path;
    out.remote_addr = r.remote_addr;
    for (const auto & [k, v] : r.path_params) out.params[k] = v;
    for (const auto & [k, v] : r.params) out.query.emplace(k, v);
    for (const auto & [k, v] : r.headers) out.headers.emplace_back(k, v);
    out.is_closed = r.is_connection_closed;
    return out;
}

class sink_writer final : public stream_writer {
public:
    explicit sink_writer(httplib::DataSink & sink) : sink_(sink) {}
    bool write(std::string_view data) override {
        if (!ok_) return false;
        if (data.empty()) return true;
        ok_ = sink_.is_writable() && sink_.write(data.data(), data.size());
        return ok_;
    }
    bool alive() const override { return ok_ && sink_.is_writable(); }

private:
    httplib::DataSink & sink_;
    bool ok_ = true;
};

void apply(const response & res, httplib::Response & out) {
    out.status = res.status;
    for (const auto & [k, v] : res.headers) out.set_header(k, v);
    if (res.stream) {
        auto producer = res.stream;
        out.set_chunked_content_provider(res.content_type, [producer](size_t, httplib::DataSink & sink) {
            sink_writer w(sink);
            producer(w);
            if (w.alive()) sink.done();
            return w.alive();
        });
    } else {
        out.set_content(res.body, res.content_type);
    }
}

// Runs a handler so that no exception escapes into the HTTP library: an
// exception is our bug, reported as a 500 with Ollama's error body.
template <class F>
void guarded(httplib::Response & out, F && f) {
    response res;
    try {
        f(res);
    } catch (const std::exception & e) {
        res = response{};
        set_error(res, make_error(errc::internal, std::string("internal error: ") + e.what()));
    }
    apply(res, out);
}

}  // namespace

std::string request::header(std::string_view name) const {
    for (const auto & [k, v] : headers) {
        if (iequals(k, name)) return v;
    }
    return {};
}

int status_for(errc code) {
    switch (code) {
        case errc::invalid_request: return 400;
        case errc::unauthorized: return 401;
        case errc::forbidden: return 403;
        case errc::not_found: return 404;
        case errc::conflict: return 409;
        case errc::too_large: return 413;
        case errc::canceled: return 499;
        case errc::unavailable: return 503;
        case errc::internal: return 500;
    }
    return 500;
}

void set_json(response & res, const json & body, int status) {
    res.status = status;
    res.content_type = "application/json; charset=utf-8";
    res.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
}

void set_error(response & res, const error & err) {
    res.stream = nullptr;
    set_json(res, json{{"error", err.message}}, status_for(err.code));
    if (err.retry_after > 0) res.headers.emplace_back("Retry-After", std::to_string(err.retry_after));
}

result<json> parse_json_body(const request & req, bool allow_empty) {
    if (req.body.find_first_not_of(" \t\r\n") == std::string::npos) {
        if (allow_empty) return json::object();
        return make_error(errc::invalid_request, "missing request body");
    }
    json j = json::parse(req.body, nullptr, false);
    if (j.is_discarded()) return make_error(errc::invalid_request, "invalid JSON in request body");
    if (!j.is_object()) return make_error(errc::invalid_request, "request body must be a JSON object");
    return j;
}

struct server::impl {
    server_options opts;
    httplib::Server svr;
    int port = 0;
    std::function<void(const std::string &, int)> observer;

    void observe(const std::string & pattern, int status) const {
        if (observer) observer(pattern, status);
    }
};

server::server(server_options opts) : impl_(std::make_unique<impl>()) {
    impl_->opts = std::move(opts);
    auto & svr = impl_->svr;
    int threads = impl_->opts.threads;
    svr.new_task_queue = [threads] { return new httplib::ThreadPool(8, static_cast<size_t>(threads)); };
    // cpp-httplib sets SO_REUSEPORT by default, which lets a second server
    // (another lokal, an ollama) bind the same port and silently take half of
    // the connections. SO_REUSEADDR only: restart fast, but never share.
    svr.set_socket_options([](socket_t sock) {
        int one = 1;
        ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    });
    svr.set_payload_max_length(impl_->opts.max_upload_bytes);
    svr.set_read_timeout(600);
    svr.set_write_timeout(600);
    svr.set_error_handler([](const httplib::Request &, httplib::Response & res) {
        // Unknown routes and methods: Ollama answers 404 "404 page not found" as text.
        if (res.body.empty() && res.status == 404) res.set_content("404 page not found", "text/plain");
    });
}

server::~server() = default;

void server::route(const std::string & method, const std::string & pattern, handler h) {
    auto & svr = impl_->svr;
    const size_t limit = impl_->opts.max_body_bytes;
    if (method == "GET" || method == "HEAD") {
        // cpp-httplib routes HEAD to GET handlers; keep the two apart.
        auto want = method;
        svr.Get(pattern, [h, want, self = impl_.get(), pattern](const httplib::Request & r, httplib::Response & out) {
            if (r.method != want && !(want == "GET" && r.method == "HEAD")) {
                out.status = 405;
                out.set_content("405 method not allowed", "text/plain");
            } else {
                guarded(out, [&](response & res) { h(convert(r), res); });
            }
            self->observe(pattern, out.status);
        });
        return;
    }
    auto with_body = [h, limit, self = impl_.get(), pattern](const httplib::Request & r, httplib::Response & out,
                                                             const httplib::ContentReader & reader) {
        guarded(out, [&](response & res) {
            request req = convert(r);
            bool too_large = false;
            reader([&](const char * data, size_t n) {
                if (req.body.size() + n > limit) {
                    too_large = true;
                    return false;
                }
                req.body.append(data, n);
                return true;
            });
            if (too_large) {
                set_error(res, make_error(errc::too_large, "request body too large (limit " +
                                                               std::to_string(limit) + " bytes)"));
                return;
            }
            h(req, res);
        });
        self->observe(pattern, out.status);
    };
    if (method == "POST") svr.Post(pattern, with_body);
    else if (method == "DELETE") svr.Delete(pattern, with_body);
    else if (method == "PUT") svr.Put(pattern, with_body);
    else if (method == "PATCH") svr.Patch(pattern, with_body);
}

void server::upload_route(const std::string & method, const std::string & pattern, upload_handler h) {
    auto handler = [h, self = impl_.get(), pattern](const httplib::Request & r, httplib::Response & out,
                                                    const httplib::ContentReader & reader) {
        bool consumed = false;
        guarded(out, [&](response & res) {
            body_reader read = [&](const body_sink & sink) {
                consumed = true;
                return reader(sink);
            };
            h(convert(r), read, res);
        });
        // A handler may answer without reading the body (the blob exists,
        // the digest is invalid). The unread bytes must not be parsed as the
        // next request on a kept-alive connection: close it instead.
        if (!consumed && r.get_header_value_u64("Content-Length") > 0) out.set_header("Connection", "close");
        self->observe(pattern, out.status);
    };
    if (method == "PUT") impl_->svr.Put(pattern, handler);
    else impl_->svr.Post(pattern, handler);
}

status server::bind() {
    auto & o = impl_->opts;
    if (o.port == 0) {
        int p = impl_->svr.bind_to_any_port(o.host);
        if (p <= 0) return make_error(errc::unavailable, "could not bind to " + o.host);
        impl_->port = p;
        return {};
    }
    if (!impl_->svr.bind_to_port(o.host, o.port)) {
        return make_error(errc::unavailable, "could not listen on " + o.host + ":" + std::to_string(o.port) +
                                                 " (address in use? another lokal or ollama running?)");
    }
    impl_->port = o.port;
    return {};
}

int server::port() const { return impl_->port; }

status server::serve() {
    if (!impl_->svr.listen_after_bind()) return make_error(errc::internal, "HTTP server stopped with an error");
    return {};
}

void server::stop() { impl_->svr.stop(); }

void server::on_response(std::function<void(const std::string & pattern, int status)> fn) {
    impl_->observer = std::move(fn);
}

}  // namespace lokal::http
