// The chats API's wire format (JSON in and out) and the Markdown export.
// Parsing checks every field's type; unknown fields are ignored.
#pragma once

#include "chats/chats.h"

namespace lokal::chats {

// Version tag of the export format; import accepts this version.
constexpr int export_format_version = 1;

json to_json(const chat_summary & c);
json to_json(const message & m);
json to_json(const chat & c);  // summary fields + settings, current_message_id, messages
// {"lokal_chats": 1, "chats": [...]}: what export writes and import reads.
json export_document(const std::vector<chat> & chats);

result<chat> chat_from_json(const json & j);  // for create (messages ignored there) and import
result<message> message_from_json(const json & j);
result<chat_patch> chat_patch_from_json(const json & j);
result<message_patch> message_patch_from_json(const json & j);
result<std::vector<chat>> import_document(const json & j);

// The branch shown (root to current message) as Markdown.
std::string to_markdown(const chat & c);
// The messages from the root to leaf, following parent links.
std::vector<const message *> branch(const chat & c, std::optional<int64_t> leaf);

}  // namespace lokal::chats
