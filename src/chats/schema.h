// lokal.db's migrations: users, chats, messages, and the accounts of auth/.
#pragma once

#include "db/db.h"

#include <vector>

namespace lokal::chats {

const std::vector<db::migration> & migrations();

}  // namespace lokal::chats
