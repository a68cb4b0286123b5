// The schema, as numbered migrations. Never edit a released migration: add
// the next number. This list is the whole of lokal.db's schema: chats and
// accounts (auth/) both migrate with it.
#include "chats/schema.h"

namespace lokal::chats {

const std::vector<db::migration> & migrations() {
    static const std::vector<db::migration> all = {
        {1, R"sql(
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);
-- The single local user until accounts exist.
INSERT INTO users(id, name, created_at) VALUES (1, 'local', CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));

CREATE TABLE chats (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    title TEXT NOT NULL DEFAULT '',
    pinned INTEGER NOT NULL DEFAULT 0 CHECK (pinned IN (0, 1)),
    folder TEXT NOT NULL DEFAULT '',
    settings TEXT NOT NULL DEFAULT '{}',
    -- the leaf shown; no foreign key, so deleting a branch never blocks
    current_message_id INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX chats_by_user ON chats(user_id, pinned DESC, updated_at DESC);

CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    chat_id INTEGER NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
    parent_id INTEGER REFERENCES messages(id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant', 'tool')),
    content TEXT NOT NULL DEFAULT '',
    thinking TEXT NOT NULL DEFAULT '',
    model TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'done' CHECK (status IN ('done', 'streaming', 'stopped', 'error')),
    attachments TEXT NOT NULL DEFAULT '[]',
    stats TEXT NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX messages_by_chat ON messages(chat_id, id);
CREATE INDEX messages_by_parent ON messages(parent_id);
)sql"},
        // Accounts (auth/): roles and Argon2id password hashes on users (user 1,
        // "local", stays the owner of everything while authentication is off
        // and can never sign in); API keys and web sessions, stored as SHA-256
        // digests of their secrets.
        {2, R"sql(
ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('admin', 'user'));
ALTER TABLE users ADD COLUMN password_hash TEXT NOT NULL DEFAULT '';

CREATE TABLE api_keys (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL DEFAULT '',
    prefix TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    scopes INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at INTEGER
);
CREATE INDEX api_keys_by_user ON api_keys(user_id);

CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_by_user ON sessions(user_id);
)sql"},
        // Chat encryption at rest (LOKAL_ENCRYPT_CHATS, vault/): a user's data
        // key wrapped under a key derived from their password (Argon2id with
        // its own salt); a sealed chat keeps its title, folder, settings and
        // its messages' content, thinking and attachments sealed under it.
        {3, R"sql(
ALTER TABLE users ADD COLUMN chat_key_salt TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN chat_key TEXT NOT NULL DEFAULT '';
ALTER TABLE chats ADD COLUMN sealed INTEGER NOT NULL DEFAULT 0 CHECK (sealed IN (0, 1));
)sql"},
    };
    return all;
}

}  // namespace lokal::chats
