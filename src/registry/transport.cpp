#include "registry/transport.h"

#include "core/host.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <memory>
#include <mutex>

namespace lokal::registry {

namespace {

struct curl_deleter {
    void operator()(CURL * c) const { curl_easy_cleanup(c); }
};
struct slist_deleter {
    void operator()(curl_slist * l) const { curl_slist_free_all(l); }
};
struct file_closer {
    void operator()(FILE * f) const { std::fclose(f); }
};

// Everything the callbacks share for one exchange.
struct exchange {
    const http_request * req = nullptr;
    const cancel_fn * cancel = nullptr;
    CURL * curl = nullptr;
    http_response res;
    std::unique_ptr<FILE, file_closer> file;
    size_t body_offset = 0;
    int64_t file_sent = 0;
    bool sink_gave_up = false;
    bool started = false;
    bool too_large = false;
    bool loopback_refused = false;
};

bool is_success(long status) { return status >= 200 && status < 300; }

size_t on_header(char * data, size_t size, size_t n, void * user) {
    auto * ex = static_cast<exchange *>(user);
    std::string line(data, size * n);
    if (line.starts_with("HTTP/")) {
        ex->res.headers.clear();  // a new status line (after 100 Continue) starts over
        return size * n;
    }
    auto colon = line.find(':');
    if (colon == std::string::npos) return size * n;
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    std::string value = line.substr(colon + 1);
    auto first = value.find_first_not_of(" \t");
    auto last = value.find_last_not_of(" \t\r\n");
    ex->res.headers[name] = first == std::string::npos ? "" : value.substr(first, last - first + 1);
    return size * n;
}

size_t on_body(char * data, size_t size, size_t n, void * user) {
    auto * ex = static_cast<exchange *>(user);
    size_t len = size * n;
    long status = 0;
    curl_easy_getinfo(ex->curl, CURLINFO_RESPONSE_CODE, &status);
    if (ex->req->sink && is_success(status)) {
        if (!ex->started && ex->req->on_start && !ex->req->on_start(status, ex->res.headers)) {
            ex->sink_gave_up = true;
            return 0;
        }
        ex->started = true;
        if (!ex->req->sink(data, len)) {
            ex->sink_gave_up = true;
            return 0;
        }
        return len;
    }
    if (ex->res.body.size() + len > ex->req->max_collected) {
        ex->too_large = true;
        return 0;
    }
    ex->res.body.append(data, len);
    return len;
}

size_t on_read(char * buf, size_t size, size_t n, void * user) {
    auto * ex = static_cast<exchange *>(user);
    size_t want = size * n;
    if (ex->file) {
        // A file region: never more than body_size bytes from body_offset.
        want = static_cast<size_t>(std::min<int64_t>(static_cast<int64_t>(want), ex->req->body_size - ex->file_sent));
        size_t got = std::fread(buf, 1, want, ex->file.get());
        ex->file_sent += static_cast<int64_t>(got);
        if (got == 0 && std::ferror(ex->file.get())) return CURL_READFUNC_ABORT;
        return got;
    }
    const std::string & body = ex->req->body;
    size_t take = std::min(want, body.size() - ex->body_offset);
    std::copy_n(body.data() + ex->body_offset, take, buf);
    ex->body_offset += take;
    return take;
}

int on_progress(void * user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow) {
    auto * ex = static_cast<exchange *>(user);
    if (*ex->cancel && (*ex->cancel)()) return 1;
    if (ex->req->on_transfer) ex->req->on_transfer(ex->req->method == "GET" || ex->req->method == "HEAD" ? dlnow : ulnow);
    return 0;
}

void global_init() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// Method, body and upload settings.
status set_method(exchange & ex, CURL * c) {
    const http_request & req = *ex.req;
    curl_off_t size = req.body_file.empty() ? curl_off_t(req.body.size()) : curl_off_t(req.body_size);
    if (!req.body_file.empty()) {
        ex.file.reset(std::fopen(req.body_file.c_str(), "rb"));
        if (!ex.file) return make_error(errc::internal, "cannot open " + req.body_file);
        if (req.body_offset > 0 && fseeko(ex.file.get(), static_cast<off_t>(req.body_offset), SEEK_SET) != 0) {
            return make_error(errc::internal, "cannot seek in " + req.body_file);
        }
    }
    if (req.method == "GET") {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    } else if (req.method == "HEAD") {
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    } else if (req.method == "POST") {
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, size);
        curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(c, CURLOPT_READDATA, &ex);
    } else if (req.method == "PUT" || req.method == "PATCH") {
        curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
        if (req.method == "PATCH") curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "PATCH");
        curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, size);
        curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(c, CURLOPT_READDATA, &ex);
    } else {
        return make_error(errc::internal, "unsupported method " + req.method);
    }
    return {};
}

}  // namespace

std::string http_response::header(const std::string & lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
}

// Connected, nothing sent yet: the last word on where a request may go.
int on_connected(void * user, char * remote_ip, char *, int, int) {
    auto * ex = static_cast<exchange *>(user);
    if (!ex->req->refuse_loopback || !is_loopback_host(remote_ip)) return CURL_PREREQFUNC_OK;
    ex->loopback_refused = true;
    return CURL_PREREQFUNC_ABORT;
}

result<http_response> perform(const http_request & req, const cancel_fn & cancel) {
    global_init();
    std::unique_ptr<CURL, curl_deleter> curl(curl_easy_init());
    if (!curl) return make_error(errc::internal, "curl_easy_init failed");
    CURL * c = curl.get();
    exchange ex;
    ex.req = &req;
    ex.cancel = &cancel;
    ex.curl = c;
    if (auto st = set_method(ex, c); !st) return st.err();

    std::unique_ptr<curl_slist, slist_deleter> headers;
    for (const auto & h : req.headers) headers.reset(curl_slist_append(headers.release(), h.c_str()));
    // No "Expect: 100-continue" round trip: registries answer uploads directly.
    headers.reset(curl_slist_append(headers.release(), "Expect:"));
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(c, CURLOPT_URL, req.url.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);  // session.cpp follows, deciding credentials per hop
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
    // A transfer that moves under 1 byte/s for a minute is dead, however long it may legitimately take.
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "lokal/" LOKAL_VERSION);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &ex);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &ex);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, &ex);
    curl_easy_setopt(c, CURLOPT_PREREQFUNCTION, on_connected);
    curl_easy_setopt(c, CURLOPT_PREREQDATA, &ex);

    CURLcode rc = curl_easy_perform(c);
    // The query is left out of messages: signed redirect URLs carry secrets there.
    const std::string where = req.url.substr(0, req.url.find('?'));
    if (ex.loopback_refused) {
        return make_error(errc::forbidden, "refusing to connect to this machine for " + where +
                                               ", a place the registry pointed to");
    }
    if (rc != CURLE_OK) {
        if (ex.sink_gave_up || rc == CURLE_ABORTED_BY_CALLBACK) return make_error(errc::canceled, "transfer canceled");
        if (ex.too_large) return make_error(errc::too_large, "the registry's answer is too large");
        return make_error(errc::unavailable, std::string(curl_easy_strerror(rc)) + " (" + req.method + " " + where + ")");
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &ex.res.status);
    return std::move(ex.res);
}

}  // namespace lokal::registry
