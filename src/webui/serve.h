// Serving the embedded web UI: `/` for browsers, `/assets/...` and the other
// built files, with caching, gzip and the security headers.
#pragma once

#include "http/server.h"

namespace lokal::webui {

// True when the request at `/` comes from a browser (it accepts text/html);
// other clients keep getting Ollama's plain "Ollama is running".
bool wants_html(const http::request & req);

// Answers `/` with the UI's index.html; false when no UI is built in.
bool serve_index(const http::request & req, http::response & res);

// Registers the routes of every embedded file except index.html.
void register_asset_routes(http::server & srv);
// True when pattern is one register_asset_routes registered (open to all, like `/`).
bool is_asset_route(std::string_view pattern);

// The headers every UI response carries (CSP, nosniff, no referrer, no framing).
void add_security_headers(http::response & res);

}  // namespace lokal::webui
