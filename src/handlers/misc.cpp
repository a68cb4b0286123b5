// GET|HEAD / (Ollama's liveness text, or the web UI for browsers), the UI's
// files, GET /api/version.
#include "handlers/routes.h"
#include "webui/serve.h"

namespace lokal::handlers {

// The Ollama API version lokal answers like; clients gate features on it.
constexpr const char * ollama_api_version = "0.33.0";

void register_misc_routes(http::server & srv, context &) {
    auto root = [](const http::request & req, http::response & res) {
        // Browsers get the chat UI; API clients that check liveness keep
        // Ollama's exact answer.
        if (webui::wants_html(req) && webui::serve_index(req, res)) return;
        res.content_type = "text/plain; charset=utf-8";
        res.body = "Ollama is running";
    };
    srv.route("GET", "/", root);
    webui::register_asset_routes(srv);
    srv.route("GET", "/api/version", [](const http::request &, http::response & res) {
        http::set_json(res, json{{"version", ollama_api_version}});
        res.headers.emplace_back("X-Lokal-Version", LOKAL_VERSION);
    });
}

}  // namespace lokal::handlers
