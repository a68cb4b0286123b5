// Conversations stored on the server, per user, in SQLite (db/). A chat is a
// tree of messages: each message names its parent, so editing a message or
// regenerating an answer adds a sibling branch instead of overwriting; the
// chat remembers which leaf is shown (current_message_id).
//
// Settings (system prompt, model, options), stats and attachments are JSON
// the UI owns; the store keeps them as given and only checks their shape.
#pragma once

#include "core/json.h"
#include "core/result.h"
#include "db/db.h"

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace lokal::chats {

// While authentication is off every request acts as this user (created by the
// first migration); with LOKAL_AUTH=1 each account owns its own chats.
constexpr int64_t local_user_id = 1;

struct chat_summary {
    int64_t id = 0;
    std::string title;
    bool pinned = false;
    std::string folder;
    int64_t created_at = 0;  // milliseconds since the epoch
    int64_t updated_at = 0;
};

struct message {
    int64_t id = 0;
    std::optional<int64_t> parent_id;
    std::string role;      // system | user | assistant | tool
    std::string content;
    std::string thinking;
    std::string model;
    std::string status = "done";  // done | streaming | stopped | error
    json attachments = json::array();
    json stats = json::object();
    int64_t created_at = 0;
    int64_t updated_at = 0;
};

struct chat {
    chat_summary meta;
    json settings = json::object();
    std::optional<int64_t> current_message_id;
    std::vector<message> messages;  // parents before children
};

struct list_query {
    std::string q;        // substring of a title or of any message's content
    std::string folder;   // only this folder when set
    int limit = 50;
    int offset = 0;
};

struct chat_list {
    std::vector<chat_summary> chats;
    int64_t total = 0;
};

struct folder_count {
    std::string name;
    int64_t chats = 0;
};

struct chat_patch {
    std::optional<std::string> title;
    std::optional<bool> pinned;
    std::optional<std::string> folder;
    std::optional<json> settings;
    std::optional<int64_t> current_message_id;
};

struct message_patch {
    std::optional<std::string> content;
    std::optional<std::string> thinking;
    std::optional<std::string> status;
    std::optional<json> stats;
};

// Limits on what one request may store; the HTTP body limit comes first.
constexpr size_t max_title_bytes = 1000;
constexpr size_t max_folder_bytes = 200;
constexpr int max_page = 500;

class store {
public:
    explicit store(std::string path) : path_(std::move(path)) {}

    // Opens the database file (creating its folder) and migrates the schema.
    status open();

    result<chat_list> list(int64_t user, const list_query & q);
    // The user's distinct non-empty folders with how many chats each holds,
    // by name (case-insensitively, ties bytewise): the UI's folder filter
    // needs them all, not only those of the chats it has loaded.
    result<std::vector<folder_count>> folders(int64_t user);
    result<chat_summary> create(int64_t user, const chat & c);
    result<chat> get(int64_t user, int64_t id);
    result<chat_summary> update(int64_t user, int64_t id, const chat_patch & p);
    status remove(int64_t user, int64_t id);

    // Adds messages in order. A message without a parent_id continues from
    // the one before it in the batch (the first one: a new root). The chat's
    // current message becomes the last one added.
    result<std::vector<message>> add_messages(int64_t user, int64_t chat_id, std::vector<message> msgs);
    result<message> update_message(int64_t user, int64_t chat_id, int64_t msg_id, const message_patch & p);

    // Stores whole chats as new ones (fresh ids; parent links and the current
    // message are remapped; timestamps kept). All or nothing.
    result<std::vector<int64_t>> import(int64_t user, const std::vector<chat> & chats);
    // Every chat of the user, whole.
    result<std::vector<chat>> export_all(int64_t user);

private:
    result<chat> get_locked(int64_t user, int64_t id);
    result<int64_t> insert_chat_locked(int64_t user, const chat & c, bool keep_times);
    result<message> insert_message_locked(int64_t chat_id, const message & m, bool keep_times);
    status owned_locked(int64_t user, int64_t id);

    std::string path_;
    std::mutex mu_;  // one connection; statements and transactions never interleave
    std::optional<db::connection> db_;
};

// Checks a message's fields (role, status, JSON shapes) before it is stored.
status validate(const message & m);

}  // namespace lokal::chats
