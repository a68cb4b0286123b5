#include "db/db.h"

#include "core/clock.h"

#include <sqlite3.h>

#include <filesystem>
#include <system_error>

namespace lokal::db {

namespace {

error sql_error(sqlite3 * db, std::string_view what) {
    int code = db ? sqlite3_extended_errcode(db) : SQLITE_ERROR;
    std::string msg = "database: " + std::string(what) + ": " + (db ? sqlite3_errmsg(db) : "out of memory");
    // A constraint is the caller's fault (a foreign key to a missing row, a
    // duplicate); a busy database is temporary; the rest is ours.
    if ((code & 0xff) == SQLITE_CONSTRAINT) return make_error(errc::conflict, msg);
    if ((code & 0xff) == SQLITE_BUSY || (code & 0xff) == SQLITE_LOCKED) return make_error(errc::unavailable, msg);
    if ((code & 0xff) == SQLITE_FULL) {
        return make_error(errc::no_space, "no space left on device: the data folder (LOKAL_DATA) is full");
    }
    if ((code & 0xff) == SQLITE_TOOBIG) return make_error(errc::too_large, msg);
    return make_error(errc::internal, msg);
}

}  // namespace

// --- statement -------------------------------------------------------------

statement::statement(statement && o) noexcept
    : stmt_(o.stmt_), db_(o.db_), bind_error_(std::move(o.bind_error_)) {
    o.stmt_ = nullptr;
}

statement & statement::operator=(statement && o) noexcept {
    if (this != &o) {
        sqlite3_finalize(stmt_);
        stmt_ = o.stmt_;
        db_ = o.db_;
        bind_error_ = std::move(o.bind_error_);
        o.stmt_ = nullptr;
    }
    return *this;
}

statement::~statement() { sqlite3_finalize(stmt_); }

statement & statement::bind(int index, int64_t value) {
    if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK && bind_error_.empty()) {
        bind_error_ = sqlite3_errmsg(db_);
    }
    return *this;
}

statement & statement::bind(int index, std::string_view value) {
    // SQLITE_TRANSIENT: SQLite copies, so temporaries are safe to pass.
    int rc = sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    if (rc != SQLITE_OK && bind_error_.empty()) bind_error_ = sqlite3_errmsg(db_);
    return *this;
}

statement & statement::bind_null(int index) {
    if (sqlite3_bind_null(stmt_, index) != SQLITE_OK && bind_error_.empty()) bind_error_ = sqlite3_errmsg(db_);
    return *this;
}

statement & statement::bind(int index, const std::optional<int64_t> & value) {
    return value ? bind(index, *value) : bind_null(index);
}

result<bool> statement::step() {
    if (!bind_error_.empty()) return make_error(errc::internal, "database: bind: " + bind_error_);
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    auto err = sql_error(db_, "step");
    sqlite3_reset(stmt_);
    return err;
}

status statement::run() {
    for (;;) {
        auto r = step();
        if (!r) return r.err();
        if (!*r) return {};
    }
}

void statement::reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    bind_error_.clear();
}

bool statement::is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
int64_t statement::get_int(int col) const { return sqlite3_column_int64(stmt_, col); }

std::string statement::get_text(int col) const {
    const auto * p = reinterpret_cast<const char *>(sqlite3_column_text(stmt_, col));
    return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col))) : std::string();
}

std::optional<int64_t> statement::get_optional_int(int col) const {
    if (is_null(col)) return std::nullopt;
    return get_int(col);
}

// --- connection ------------------------------------------------------------

result<connection> connection::open(const std::string & path) {
    sqlite3 * raw = nullptr;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
    int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
    connection c(raw);  // owns raw even when the open failed
    if (rc != SQLITE_OK) return sql_error(raw, "open " + path);
    sqlite3_extended_result_codes(raw, 1);
    sqlite3_busy_timeout(raw, 5000);
    // WAL: readers never block the writer. synchronous=NORMAL is durable
    // across application crashes in WAL mode (only a power loss may drop the
    // last transactions), which is the right trade for chat history.
    if (auto st = c.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"); !st) {
        return st.err();
    }
    return c;
}

result<connection> connection::open_migrated(const std::string & path, const std::vector<migration> & migrations) {
    auto dir = std::filesystem::path(path).parent_path();
    std::error_code ec;
    if (!dir.empty()) std::filesystem::create_directories(dir, ec);
    if (ec) return make_error(errc::internal, "cannot create " + dir.string() + ": " + ec.message());
    auto c = open(path);
    if (!c) return c.err();
    if (auto st = c->migrate(migrations); !st) return st.err();
    return c;
}

connection::connection(connection && o) noexcept : db_(o.db_) { o.db_ = nullptr; }

connection & connection::operator=(connection && o) noexcept {
    if (this != &o) {
        sqlite3_close_v2(db_);
        db_ = o.db_;
        o.db_ = nullptr;
    }
    return *this;
}

connection::~connection() { sqlite3_close_v2(db_); }

result<statement> connection::prepare(std::string_view sql) {
    sqlite3_stmt * s = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), 0, &s, nullptr);
    if (rc != SQLITE_OK) return sql_error(db_, "prepare");
    return statement(s, db_);
}

status connection::exec(const std::string & sql) {
    char * msg = nullptr;
    int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &msg);
    if (rc != SQLITE_OK) {
        auto err = sql_error(db_, "exec");
        sqlite3_free(msg);
        return err;
    }
    return {};
}

int64_t connection::last_insert_id() const { return sqlite3_last_insert_rowid(db_); }
int connection::changes() const { return sqlite3_changes(db_); }

result<int> connection::schema_version() {
    auto st = exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
                   "version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)");
    if (!st) return st.err();
    auto q = prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    if (!q) return q.err();
    auto row = q->step();
    if (!row) return row.err();
    return static_cast<int>(q->get_int(0));
}

status connection::migrate(const std::vector<migration> & migrations) {
    auto tx = transaction::begin(*this);
    if (!tx) return tx.err();
    auto current = schema_version();
    if (!current) return current.err();
    int known = migrations.empty() ? 0 : migrations.back().version;
    if (*current > known) {
        return make_error(errc::internal, "database schema version " + std::to_string(*current) +
                                              " is newer than this lokal knows (" + std::to_string(known) +
                                              "): use a newer lokal or another LOKAL_DATA");
    }
    for (const auto & m : migrations) {
        if (m.version <= *current) continue;
        if (auto st = exec(m.sql); !st) {
            return make_error(st.err().code, "migration " + std::to_string(m.version) + ": " + st.err().message);
        }
        auto rec = prepare("INSERT INTO schema_migrations(version, applied_at) VALUES (?, ?)");
        if (!rec) return rec.err();
        if (auto st = rec->bind(1, int64_t{m.version}).bind(2, unix_ms()).run(); !st) return st;
    }
    return tx->commit();
}

// --- transaction -----------------------------------------------------------

result<transaction> transaction::begin(connection & c) {
    if (auto st = c.exec("BEGIN IMMEDIATE"); !st) return st.err();
    return transaction(c);
}

transaction::~transaction() {
    if (open_) (void)c_->exec("ROLLBACK");
}

status transaction::commit() {
    auto st = c_->exec("COMMIT");
    if (st) open_ = false;
    return st;
}

}  // namespace lokal::db
