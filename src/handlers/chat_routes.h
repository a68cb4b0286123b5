// /lokal/api/chats..., /lokal/api/export, /lokal/api/import: the web UI's
// conversation store over HTTP.
#pragma once

#include "chats/chats.h"
#include "http/server.h"

namespace lokal::handlers {

void register_chat_routes(http::server & srv, chats::store & st);

}  // namespace lokal::handlers
