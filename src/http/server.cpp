#include "http/server.h"

#include "core/gojson.h"
#include "http/connections.h"

#include <cpp-httplib/httplib.h>
#include <openssl/ssl.h>

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

// Where the pre-request hook leaves the principal for the route.
constexpr const char * principal_key = "lokal.principal";

request convert(const httplib::Request & r, const httplib::Response * routed = nullptr) {
    request out;
    if (routed) {
        if (const auto * p = routed->user_data.get<std::string>(principal_key)) out.principal = *p;
    }
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
        detail::connection_table::stream_started();
        auto producer = res.stream;
        out.set_chunked_content_provider(res.content_type, [producer](size_t, httplib::DataSink & sink) {
            sink_writer w(sink);
            producer(w);
            if (w.alive()) sink.done();
            detail::connection_table::stream_finished();
            return w.alive();
        });
    } else {
        out.set_content(res.body, res.content_type);
    }
}

// Runs a handler so that no exception escapes into the HTTP library: an
// exception is our bug, reported as a 500 with Ollama's error body.
// Denied answers (401/403) are reported to on_denied before they are sent.
using denied_hook = std::function<void(const request &, int, const std::string &)>;

template <class F>
void guarded(httplib::Response & out, const httplib::Request & r, const denied_hook & denied, F && f) {
    response res;
    try {
        f(res);
    } catch (const std::exception & e) {
        res = response{};
        set_error(res, make_error(errc::internal, std::string("internal error: ") + e.what()));
    }
    if (denied && !res.audited && !res.stream && (res.status == 401 || res.status == 403)) {
        denied(convert(r), res.status, error_text(res.body));
    }
    apply(res, out);
}

// Unread upload bodies up to this size are drained before the answer.
constexpr uint64_t drain_limit = 64ull << 20;

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
        case errc::no_space: return 507;
        case errc::internal: return 500;
    }
    return 500;
}

void set_json(response & res, const json & body, int status) {
    res.status = status;
    res.content_type = "application/json; charset=utf-8";
    res.body = json_text(body);
}

std::string json_text(const json & body) { return gofmt::dump_json(body); }

std::string json_line(const json & body) { return gofmt::dump_json(body) + "\n"; }

void set_error(response & res, const error & err) {
    res.stream = nullptr;
    set_json(res, json{{"error", err.message}}, status_for(err.code));
    if (err.retry_after > 0) res.headers.emplace_back("Retry-After", std::to_string(err.retry_after));
}

std::string error_text(std::string_view body) {
    json j = json::parse(body, nullptr, false);
    if (j.is_object() && j.contains("error") && j["error"].is_string()) return j["error"].get<std::string>();
    return {};
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
    std::string tls_error;  // why the TLS server could not be set up (filled while `owned` is made)
    std::unique_ptr<httplib::Server> owned;
    httplib::Server & svr;
    request_guard guard;
    detail::connection_table conns;
    int port = 0;
    std::function<void(const std::string &, int)> observer;
    authorizer auth;
    std::vector<route_info> routes;
    denied_hook denied;

    explicit impl(server_options o)
        : opts(std::move(o)),
          owned(make_server(opts, tls_error)),
          svr(*owned),
          guard(guard_for(opts)),
          conns(detail::connection_limits{opts.max_connections, !opts.tls_cert.empty(), opts.header_timeout,
                                          opts.body_timeout, opts.idle_timeout}) {}

    void observe(const std::string & pattern, int status) const {
        if (observer) observer(pattern, status);
    }

    static guard_options guard_for(const server_options & o) {
        guard_options g = o.guard;
        g.bound_host = o.host;
        g.tls = !o.tls_cert.empty();
        return g;
    }

    static std::unique_ptr<httplib::Server> make_server(const server_options & o, std::string & error) {
        if (o.tls_cert.empty()) return std::make_unique<httplib::Server>();
        auto tls = std::make_unique<httplib::SSLServer>(o.tls_cert.c_str(), o.tls_key.c_str());
        auto * ctx = static_cast<SSL_CTX *>(tls->tls_context());
        if (!tls->is_valid() || !ctx) {
            error = "could not load the TLS certificate and key (LOKAL_TLS_CERT, LOKAL_TLS_KEY): check that both are "
                    "readable PEM files and that the key matches the certificate";
        } else if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
            error = "could not restrict TLS to version 1.2 and later";
        }
        return tls;
    }

    void install_guard();
    void install_auth();
    // Sends a refusal from the authorizer. The body the client may still be
    // sending is never read: cpp-httplib closes the connection after every
    // error status instead of draining it.
    // 401/403 refusals are reported to the denied hook (the audit log) first.
    void refuse(const response & refusal, const httplib::Request & r, httplib::Response & out) const {
        if (denied && (refusal.status == 401 || refusal.status == 403)) {
            denied(convert(r), refusal.status, error_text(refusal.body));
        }
        apply(refusal, out);
    }
};

// Authentication runs once per request, after routing chose the route (so
// the policy sees the registered pattern) and before any body is read.
void server::impl::install_auth() {
    svr.set_pre_request_handler([this](const httplib::Request & r, httplib::Response & out) {
        if (!auth) return httplib::Server::HandlerResponse::Unhandled;
        admission a = auth(convert(r), r.matched_route);
        if (a.allowed) {
            out.user_data.set(principal_key, std::move(a.principal));
            return httplib::Server::HandlerResponse::Unhandled;
        }
        refuse(a.refusal, r, out);
        observe(r.matched_route, out.status);
        return httplib::Server::HandlerResponse::Handled;
    });
}

// Every request passes here before routing (so unknown paths and every
// route group are covered alike), and every response gets its CORS headers.
void server::impl::install_guard() {
    svr.set_pre_routing_handler([this](const httplib::Request & r, httplib::Response & out) {
        detail::connection_table::headers_read();
        response res;
        // get_header_value returns a copy; request_head only views these.
        const std::string host = r.get_header_value("Host"), origin = r.get_header_value("Origin"),
                          content_type = r.get_header_value("Content-Type");
        request_head head;
        head.method = r.method;
        head.host = host;
        head.origin = origin;
        head.content_type = content_type;
        head.from_browser = r.has_header("Origin") || r.has_header("Sec-Fetch-Site") || r.has_header("Sec-Fetch-Mode");
        head.preflight = r.method == "OPTIONS" && r.has_header("Access-Control-Request-Method");
        if (auto refused = guard.check(head)) {
            if (denied) denied(convert(r), refused->status, refused->message);
            set_json(res, json{{"error", refused->message}}, refused->status);
            apply(res, out);
            return httplib::Server::HandlerResponse::Handled;
        }
        if (r.method == "OPTIONS") {  // preflight or not, nothing to route
            out.status = 204;
            return httplib::Server::HandlerResponse::Handled;
        }
        return httplib::Server::HandlerResponse::Unhandled;
    });
    svr.set_post_routing_handler([this](const httplib::Request & r, httplib::Response & out) {
        bool preflight = r.method == "OPTIONS" && r.has_header("Access-Control-Request-Method");
        for (auto & [k, v] : guard.cors_headers(r.get_header_value("Origin"), r.get_header_value("Host"), preflight,
                                                r.get_header_value("Access-Control-Request-Headers"))) {
            out.set_header(k, v);
        }
    });
    svr.set_logger([](const httplib::Request &, const httplib::Response &) {
        detail::connection_table::response_written();
    });
}

server::server(server_options opts) : impl_(std::make_unique<impl>(std::move(opts))) {
    auto & svr = impl_->svr;
    svr.new_task_queue = [self = impl_.get()] { return self->conns.make_queue(); };
    // cpp-httplib sets SO_REUSEPORT by default, which lets a second server
    // (another lokal, an ollama) bind the same port and silently take half of
    // the connections. SO_REUSEADDR only: restart fast, but never share.
    svr.set_socket_options([](socket_t sock) {
        int one = 1;
        ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    });
    // Our own checks answer first, with a JSON error: the body limit in
    // route(), Content-Length against the upload limit in upload_route().
    svr.set_payload_max_length(std::max(impl_->opts.max_upload_bytes, impl_->opts.max_body_bytes) + 1);
    // Longest silence in the middle of reading or writing; whole-phase
    // deadlines live in detail::connection_table.
    svr.set_read_timeout(60);
    svr.set_write_timeout(60);
    auto idle_s = std::chrono::duration_cast<std::chrono::seconds>(impl_->opts.idle_timeout).count();
    svr.set_keep_alive_timeout(std::max<time_t>(1, static_cast<time_t>(idle_s)));
    svr.set_error_handler([self = impl_.get()](const httplib::Request & r, httplib::Response & res) {
        if (!res.body.empty() || res.status != 404) return;
        // No route matched. With authentication on, only a caller with a
        // valid credential learns that a path does not exist.
        if (self->auth) {
            admission a = self->auth(convert(r), "");
            if (!a.allowed) {
                self->refuse(a.refusal, r, res);
                return;
            }
        }
        // Unknown routes and methods: Ollama answers 404 "404 page not found" as text.
        res.set_content("404 page not found", "text/plain");
    });
    impl_->install_guard();
    impl_->install_auth();
}

server::~server() = default;

void server::route(const std::string & method, const std::string & pattern, handler h) {
    auto & svr = impl_->svr;
    impl_->routes.push_back(route_info{method, pattern});
    const size_t limit = impl_->opts.max_body_bytes;
    if (method == "GET" || method == "HEAD") {
        // cpp-httplib routes HEAD to GET handlers; keep the two apart.
        auto want = method;
        svr.Get(pattern, [h, want, self = impl_.get(), pattern](const httplib::Request & r, httplib::Response & out) {
            if (r.method != want && !(want == "GET" && r.method == "HEAD")) {
                out.status = 405;
                out.set_content("405 method not allowed", "text/plain");
            } else {
                guarded(out, r, self->denied, [&](response & res) { h(convert(r, &out), res); });
            }
            self->observe(pattern, out.status);
        });
        return;
    }
    auto with_body = [h, limit, self = impl_.get(), pattern](const httplib::Request & r, httplib::Response & out,
                                                             const httplib::ContentReader & reader) {
        guarded(out, r, self->denied, [&](response & res) {
            request req = convert(r, &out);
            bool too_large = false;
            detail::connection_table::body_read(true);
            reader([&](const char * data, size_t n) {
                if (req.body.size() + n > limit) {
                    too_large = true;
                    return false;
                }
                req.body.append(data, n);
                return true;
            });
            detail::connection_table::body_read(false);
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
    const size_t limit = impl_->opts.max_upload_bytes;
    impl_->routes.push_back(route_info{method, pattern});
    auto handler = [h, limit, self = impl_.get(), pattern](const httplib::Request & r, httplib::Response & out,
                                                           const httplib::ContentReader & reader) {
        bool consumed = false;
        guarded(out, r, self->denied, [&](response & res) {
            // Refused before a byte is written when the size is announced.
            if (r.get_header_value_u64("Content-Length") > limit) {
                set_error(res, make_error(errc::too_large, "upload too large (limit " + std::to_string(limit) +
                                                               " bytes, LOKAL_MAX_BLOB)"));
                return;
            }
            body_reader read = [&](const body_sink & sink) {
                consumed = true;
                return reader(sink);
            };
            h(convert(r, &out), read, res);
        });
        // A handler may answer without reading the body (the blob exists,
        // the digest is invalid). A small body is read and dropped first:
        // closing with unread bytes makes the kernel reset the connection,
        // which browsers report as a network error instead of our answer.
        // A larger one is not worth the transfer: the connection is closed
        // so the rest is never parsed as the next request.
        const uint64_t unread = consumed ? 0 : r.get_header_value_u64("Content-Length");
        if (unread > 0 && unread <= drain_limit && unread <= limit && !r.is_connection_closed()) {
            reader([](const char *, size_t) { return true; });
        } else if (unread > 0) {
            out.set_header("Connection", "close");
        }
        self->observe(pattern, out.status);
    };
    if (method == "PUT") impl_->svr.Put(pattern, handler);
    else impl_->svr.Post(pattern, handler);
}

status server::bind() {
    auto & o = impl_->opts;
    if (!impl_->tls_error.empty()) return make_error(errc::invalid_request, impl_->tls_error);
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

void server::authorize(authorizer fn) { impl_->auth = std::move(fn); }

const std::vector<route_info> & server::routes() const { return impl_->routes; }

void server::on_denied(denied_fn fn) { impl_->denied = std::move(fn); }

void server::on_response(std::function<void(const std::string & pattern, int status)> fn) {
    impl_->observer = std::move(fn);
}

}  // namespace lokal::http
