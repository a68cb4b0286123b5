// /lokal/api/chats..., /lokal/api/export, /lokal/api/import: the web UI's
// conversation store over HTTP.
#pragma once

#include "chats/chats.h"
#include "http/server.h"

#include <functional>
#include <string>

namespace lokal::handlers {

// The chat owner for a request: its principal's user (empty principal,
// authentication off: chats::local_user_id) with the data key of its
// session when chats are encrypted; an error refuses the request.
using owner_lookup = std::function<result<chats::owner>(const http::request & req)>;

void register_chat_routes(http::server & srv, chats::store & st, owner_lookup owner);

}  // namespace lokal::handlers
