// The chat database's migrations (users, chats, messages).
#pragma once

#include "db/db.h"

#include <vector>

namespace lokal::chats {

const std::vector<db::migration> & migrations();

}  // namespace lokal::chats
