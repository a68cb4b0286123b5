// Conversations stored on the server, per user, in SQLite (db/). A chat is a
// tree of messages: each message names its parent, so editing a message or
// regenerating an answer adds a sibling branch instead of overwriting; the
// chat remembers which leaf is shown (current_message_id).
//
// Settings (system prompt, model, options), stats and attachments are JSON
// the UI owns; the store keeps them as given and only checks their shape.
//
// Encryption at rest (LOKAL_ENCRYPT_CHATS): a chat stored for an owner with
// a data key is sealed (sealed.h): its title, folder, settings and its
// messages' content, thinking and attachments are stored encrypted; ids,
// timestamps, pinned, roles, models, statuses and stats stay clear.
#pragma once

#include "core/json.h"
#include "core/result.h"
#include "db/db.h"
#include "vault/vault.h"

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace lokal::chats {

// While authentication is off every request acts as this user (created by the
// first migration); with LOKAL_AUTH=1 each account owns its own chats.
constexpr int64_t local_user_id = 1;

// What a request without the data key gets for sealed chats.
constexpr const char * locked_message = "chats are encrypted: sign in with your password to unlock them";

// Whose chats a call is about: a user, and when their chats are encrypted,
// the data key of their unlocked session (new chats are then sealed with
// it, sealed ones opened). Without a key, a sealed chat is refused.
struct owner {
    owner(int64_t user) : id(user) {}  // implicit: a plain user id is an owner without a key
    owner(int64_t user, vault::key_ptr k) : id(user), key(std::move(k)) {}
    int64_t id = 0;
    vault::key_ptr key;
};

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

    result<chat_list> list(const owner & user, const list_query & q);
    // The user's distinct non-empty folders with how many chats each holds,
    // by name (case-insensitively, ties bytewise): the UI's folder filter
    // needs them all, not only those of the chats it has loaded.
    result<std::vector<folder_count>> folders(const owner & user);
    result<chat_summary> create(const owner & user, const chat & c);
    result<chat> get(const owner & user, int64_t id);
    result<chat_summary> update(const owner & user, int64_t id, const chat_patch & p);
    status remove(const owner & user, int64_t id);

    // Adds messages in order. A message without a parent_id continues from
    // the one before it in the batch (the first one: a new root). The chat's
    // current message becomes the last one added.
    result<std::vector<message>> add_messages(const owner & user, int64_t chat_id, std::vector<message> msgs);
    result<message> update_message(const owner & user, int64_t chat_id, int64_t msg_id, const message_patch & p);

    // Stores whole chats as new ones (fresh ids; parent links and the current
    // message are remapped; timestamps kept). All or nothing.
    result<std::vector<int64_t>> import(const owner & user, const std::vector<chat> & chats);
    // Every chat of the user, whole.
    result<std::vector<chat>> export_all(const owner & user);

    // Seals every plaintext chat of user (who must have a key) in one
    // transaction, then truncates the WAL so no old page is left there; the
    // number sealed. How chats stored before encryption was turned on get
    // encrypted: at the user's next sign-in.
    result<int64_t> seal_existing(const owner & user);

private:
    result<chat> get_locked(const owner & user, int64_t id);
    result<chat_summary> summary_locked(const owner & user, int64_t id);
    result<int64_t> insert_chat_locked(const owner & user, const chat & c, bool keep_times);
    // k: the chat's key when it is sealed, else null.
    result<message> insert_message_locked(int64_t chat_id, const message & m, bool keep_times, const vault::key * k);
    status write_chat_locked(int64_t id, const chat & c, const vault::key * k, int64_t updated_at);
    status write_message_locked(int64_t chat_id, const message & m, const vault::key * k);
    // Whether the chat is the user's (not_found) and its key: null when it
    // is not sealed; forbidden when it is and the owner has no key.
    result<const vault::key *> owned_locked(const owner & user, int64_t id, bool need_key = true);
    result<std::vector<folder_count>> folders_sealed_locked(const owner & user);
    // forbidden when the user has sealed chats (and so no SQL can read them).
    status no_sealed_locked(const owner & user);
    // Ids of the user's chats; tail: more conditions and the order.
    result<std::vector<int64_t>> chat_ids_locked(int64_t user, const char * tail);
    result<chat_list> list_sealed_locked(const owner & user, const list_query & q);
    result<bool> matches_locked(const owner & user, const chat_summary & c, const std::string & q);

    std::string path_;
    std::mutex mu_;  // one connection; statements and transactions never interleave
    std::optional<db::connection> db_;
};

// Checks a message's fields (role, status, JSON shapes) before it is stored.
status validate(const message & m);

}  // namespace lokal::chats
