// A small RAII wrapper over SQLite: a connection, prepared statements with
// typed binds and columns, transactions, and numbered schema migrations.
// Everything fallible returns result<T>; nothing here knows about chats or
// users, so any module (chats, accounts, API keys) can keep its tables here.
#pragma once

#include "core/result.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace lokal::db {

class connection;

// One prepared statement. Binds are 1-based like SQLite's; columns 0-based.
// step() returns true while a row is available, false when done.
class statement {
public:
    statement(statement &&) noexcept;
    statement & operator=(statement &&) noexcept;
    ~statement();

    statement & bind(int index, int64_t value);
    statement & bind(int index, std::string_view value);
    statement & bind(int index, const char * value) { return bind(index, std::string_view(value)); }
    statement & bind_null(int index);
    statement & bind(int index, const std::optional<int64_t> & value);

    result<bool> step();
    // Runs to completion, ignoring rows.
    status run();
    // Clears binds and rewinds, so the statement can be used again.
    void reset();

    bool is_null(int col) const;
    int64_t get_int(int col) const;
    std::string get_text(int col) const;
    std::optional<int64_t> get_optional_int(int col) const;

private:
    friend class connection;
    statement(sqlite3_stmt * s, sqlite3 * db) : stmt_(s), db_(db) {}
    sqlite3_stmt * stmt_ = nullptr;
    sqlite3 * db_ = nullptr;
    std::string bind_error_;  // the first failed bind, reported by step()
};

// A migration: the schema version it brings the database to, and its SQL.
struct migration {
    int version;
    const char * sql;
};

class connection {
public:
    // Opens (creating if needed) the file at path with WAL journaling, a busy
    // timeout and foreign keys on. ":memory:" works for tests.
    static result<connection> open(const std::string & path);
    // open(), creating the file's folder first, then migrate(): how a store
    // (chats, accounts) opens lokal.db.
    static result<connection> open_migrated(const std::string & path, const std::vector<migration> & migrations);

    connection(connection &&) noexcept;
    connection & operator=(connection &&) noexcept;
    ~connection();

    result<statement> prepare(std::string_view sql);
    // Runs one or more statements without results (schema, pragmas).
    status exec(const std::string & sql);
    int64_t last_insert_id() const;
    int changes() const;

    // Applies, in one transaction, the migrations not yet recorded in the
    // schema_migrations table, recording each. Refuses a database that has a
    // version newer than those it knows (an older lokal would corrupt it).
    status migrate(const std::vector<migration> & migrations);
    result<int> schema_version();

private:
    explicit connection(sqlite3 * db) : db_(db) {}
    sqlite3 * db_ = nullptr;
};

// BEGIN IMMEDIATE on construction; ROLLBACK on destruction unless commit()
// succeeded. Immediate, so two writers queue on the busy timeout instead of
// failing with SQLITE_BUSY halfway through.
class transaction {
public:
    static result<transaction> begin(connection & c);
    transaction(transaction && o) noexcept : c_(o.c_), open_(o.open_) { o.open_ = false; }
    transaction & operator=(transaction &&) = delete;
    ~transaction();
    status commit();

private:
    explicit transaction(connection & c) : c_(&c) {}
    connection * c_;
    bool open_ = true;
};

}  // namespace lokal::db
