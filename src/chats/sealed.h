// The sealed form of chat fields (LOKAL_ENCRYPT_CHATS): each value is
// sealed under the owner's data key (vault/) with associated data naming
// its row and field, so a value moved to another chat, message or field
// fails to open. Internal to the store.
#pragma once

#include "core/result.h"
#include "vault/vault.h"

#include <cstdint>
#include <string>

namespace lokal::chats::sealing {

// forbidden: a sealed chat and no key to open it.
error locked();
std::string chat_ad(int64_t chat_id, const char * field);
std::string message_ad(int64_t chat_id, int64_t message_id, const char * field);
// stored opened with k; internal error naming ad when it does not open
// (another key, or the row was changed outside lokal).
result<std::string> open_field(const vault::key & k, const std::string & stored, const std::string & ad);
// ASCII case-insensitive substring test: what SQLite's LIKE '%q%' does,
// for chats that can only be searched once decrypted.
bool contains_ci(std::string_view text, std::string_view q);

}  // namespace lokal::chats::sealing
