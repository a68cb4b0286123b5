// /lokal/api/chats..., /lokal/api/export, /lokal/api/import: the web UI's
// conversation store over HTTP.
#pragma once

#include "chats/chats.h"
#include "http/server.h"

#include <functional>
#include <string>

namespace lokal::handlers {

// The chat owner (a user id) for a request's principal; empty principal
// (authentication off): chats::local_user_id.
using owner_lookup = std::function<result<int64_t>(const std::string & principal)>;

void register_chat_routes(http::server & srv, chats::store & st, owner_lookup owner);

}  // namespace lokal::handlers
