// GET|HEAD /, GET /api/version.
#include "handlers/routes.h"

namespace lokal::handlers {

// The Ollama API version lokal answers like; clients gate features on it.
constexpr const char * ollama_api_version = "0.33.0";

void register_misc_routes(http::server & srv, context &) {
    auto root = [](const http::request &, http::response & res) {
        res.content_type = "text/plain; charset=utf-8";
        res.body = "Ollama is running";
    };
    srv.route("GET", "/", root);
    srv.route("GET", "/api/version", [](const http::request &, http::response & res) {
        http::set_json(res, json{{"version", ollama_api_version}});
        res.headers.emplace_back("X-Lokal-Version", LOKAL_VERSION);
    });
}

}  // namespace lokal::handlers
