// POST /api/pull and POST /api/push: Ollama's registry routes on top of
// registry/ (OCI distribution client).
#pragma once

#include "handlers/routes.h"
#include "registry/session.h"
#include "store/name.h"

#include <memory>

namespace lokal::handlers {

void register_registry_routes(http::server & srv, context & ctx);  // pull, push

// A session with the registry of name (https, or plain http when insecure),
// with the logins of auth_file (re-read each time, so a changed login needs
// no restart). Also used by create to pull a missing base model.
result<std::unique_ptr<registry::session>> open_registry_session(const std::string & auth_file,
                                                                 const store::model_name & name, bool insecure);

}  // namespace lokal::handlers
