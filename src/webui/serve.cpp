#include "webui/serve.h"

#include "webui/assets.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <string>
#include <vector>

namespace lokal::webui {

namespace {

// Scripts only from lokal itself and never inline; no plugin, no framing, no
// request to any other host. Styles allow inline attributes because KaTeX
// and Mermaid position glyphs with them; markdown-it's raw HTML is off, so
// model output cannot add any.
constexpr const char * csp =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "font-src 'self'; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

bool contains_token(const std::string & header, std::string_view token) {
    // "gzip", "gzip, deflate", "br;q=1.0, gzip;q=0.8"; "gzip;q=0" refuses it.
    size_t pos = 0;
    while ((pos = header.find(token, pos)) != std::string::npos) {
        size_t end = pos + token.size();
        bool starts = pos == 0 || header[pos - 1] == ' ' || header[pos - 1] == ',';
        bool ends = end == header.size() || header[end] == ',' || header[end] == ';' || header[end] == ' ';
        if (starts && ends) {
            auto rest = header.substr(end, header.find(',', end) - end);
            auto q = rest.find("q=");
            return q == std::string::npos || std::strtod(rest.c_str() + q + 2, nullptr) > 0;
        }
        pos = end;
    }
    return false;
}

void send(const asset & a, const http::request & req, http::response & res, bool immutable) {
    add_security_headers(res);
    res.headers.emplace_back("ETag", a.etag);
    res.headers.emplace_back("Cache-Control", immutable ? "public, max-age=31536000, immutable" : "no-cache");
    res.headers.emplace_back("Vary", "Accept-Encoding");
    res.content_type = a.content_type;
    if (req.header("If-None-Match") == a.etag) {
        res.status = 304;
        return;
    }
    if (a.gzip && contains_token(req.header("Accept-Encoding"), "gzip")) {
        res.headers.emplace_back("Content-Encoding", "gzip");
        res.body.assign(reinterpret_cast<const char *>(a.gzip), a.gzip_size);
    } else {
        res.body.assign(reinterpret_cast<const char *>(a.data), a.size);
    }
}

// Route patterns without a ":param" are regular expressions to cpp-httplib.
std::string regex_escape(std::string_view path) {
    std::string out;
    for (char c : path) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '/' && c != '-' && c != '_') out += '\\';
        out += c;
    }
    return out;
}

// Vite's content-hashed files all live in /assets/: one route serves them,
// because cpp-httplib tries every registered pattern (each a std::regex) in
// order, and one route per file made every later API route (/api/tags)
// pay for a hundred regex matches.
constexpr const char * hashed_pattern = "/assets/.+";

// The patterns register_asset_routes registers: the hashed folder's, then
// one per other file (favicon.svg) except index.html, which `/` serves.
std::vector<std::string> asset_patterns() {
    std::vector<std::string> out;
    bool hashed = false;
    for (const auto & a : embedded_assets()) {
        std::string_view path = a.path;
        if (path == "/index.html") continue;
        if (path.rfind("/assets/", 0) == 0) hashed = true;
        else out.push_back(regex_escape(path));
    }
    if (hashed) out.insert(out.begin(), hashed_pattern);
    return out;
}

}  // namespace

const asset * find_asset(std::string_view path) {
    for (const auto & a : embedded_assets()) {
        if (path == a.path) return &a;
    }
    return nullptr;
}

void add_security_headers(http::response & res) {
    res.headers.emplace_back("Content-Security-Policy", csp);
    res.headers.emplace_back("X-Content-Type-Options", "nosniff");
    res.headers.emplace_back("Referrer-Policy", "no-referrer");
    res.headers.emplace_back("X-Frame-Options", "DENY");
    res.headers.emplace_back("Cross-Origin-Opener-Policy", "same-origin");
}

bool wants_html(const http::request & req) { return req.header("Accept").find("text/html") != std::string::npos; }

bool serve_index(const http::request & req, http::response & res) {
    const asset * index = find_asset("/index.html");
    if (!index) return false;
    send(*index, req, res, false);
    res.headers.emplace_back("Vary", "Accept");
    return true;
}

bool is_asset_route(std::string_view pattern) {
    static const std::vector<std::string> patterns = asset_patterns();
    return std::find(patterns.begin(), patterns.end(), pattern) != patterns.end();
}

void register_asset_routes(http::server & srv) {
    for (const auto & pattern : asset_patterns()) {
        srv.route("GET", pattern, [](const http::request & req, http::response & res) {
            const asset * a = find_asset(req.path);
            if (!a || std::string_view(a->path) == "/index.html") {
                res.status = 404;
                res.content_type = "text/plain";
                res.body = "404 page not found";
                return;
            }
            // Vite puts content-hashed names under /assets/: they never change.
            send(*a, req, res, req.path.rfind("/assets/", 0) == 0);
        });
    }
}

}  // namespace lokal::webui
