// POST /api/pull and POST /api/push: Ollama's registry routes on top of
// registry/ (OCI distribution client).
#pragma once

#include "handlers/routes.h"

namespace lokal::handlers {

void register_registry_routes(http::server & srv, context & ctx);  // pull, push

}  // namespace lokal::handlers
