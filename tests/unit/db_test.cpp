// The SQLite wrapper, on a real database file in a temp dir.
#include "db/db.h"

#include "temp_dir.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

using namespace lokal;
namespace fs = std::filesystem;

namespace {

class DbTest : public ::testing::Test {
protected:
    void SetUp() override {
        root = tmp.path();
        path = root + "/test.db";
    }
    db::connection open() {
        auto c = db::connection::open(path);
        EXPECT_TRUE(c) << c.err().message;
        return std::move(c.value());
    }

    lokal::test::temp_dir tmp{"lokal-db"};
    std::string root, path;
};

const std::vector<db::migration> v1 = {
    {1, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, n INTEGER);"},
};
const std::vector<db::migration> v2 = {
    v1[0],
    {2, "CREATE TABLE u (id INTEGER PRIMARY KEY, t_id INTEGER NOT NULL REFERENCES t(id));"},
};

TEST_F(DbTest, OpensWithWalAndForeignKeys) {
    auto c = open();
    auto s = c.prepare("PRAGMA journal_mode");
    ASSERT_TRUE(s);
    ASSERT_TRUE(*s->step());
    EXPECT_EQ(s->get_text(0), "wal");
    auto fk = c.prepare("PRAGMA foreign_keys");
    ASSERT_TRUE(fk);
    ASSERT_TRUE(*fk->step());
    EXPECT_EQ(fk->get_int(0), 1);
}

TEST_F(DbTest, MigratesOnceAndRecordsVersions) {
    {
        auto c = open();
        ASSERT_TRUE(c.migrate(v1));
        EXPECT_EQ(*c.schema_version(), 1);
        ASSERT_TRUE(c.exec("INSERT INTO t(name) VALUES ('a')"));
    }
    auto c = open();
    ASSERT_TRUE(c.migrate(v2));  // v1 is not re-applied (it would fail: table exists)
    EXPECT_EQ(*c.schema_version(), 2);
    auto s = c.prepare("SELECT COUNT(*) FROM schema_migrations");
    ASSERT_TRUE(*s->step());
    EXPECT_EQ(s->get_int(0), 2);
    ASSERT_TRUE(c.migrate(v2));  // idempotent
}

TEST_F(DbTest, RefusesANewerDatabase) {
    {
        auto c = open();
        ASSERT_TRUE(c.migrate(v2));
    }
    auto c = open();
    auto st = c.migrate(v1);
    ASSERT_FALSE(st);
    EXPECT_NE(st.err().message.find("newer"), std::string::npos);
}

TEST_F(DbTest, AFailingMigrationLeavesNothingBehind) {
    auto c = open();
    std::vector<db::migration> bad = {v1[0], {2, "CREATE TABLE x (id INTEGER); THIS IS NOT SQL;"}};
    auto st = c.migrate(bad);
    ASSERT_FALSE(st);
    EXPECT_NE(st.err().message.find("migration 2"), std::string::npos);
    EXPECT_EQ(*c.schema_version(), 0);  // migration 1 rolled back too
    EXPECT_FALSE(c.prepare("SELECT * FROM t"));
}

TEST_F(DbTest, BindsAndReadsTypedValues) {
    auto c = open();
    ASSERT_TRUE(c.migrate(v1));
    auto ins = c.prepare("INSERT INTO t(name, n) VALUES (?, ?)");
    ASSERT_TRUE(ins);
    std::string name("a\0b", 3);  // embedded NUL survives
    ASSERT_TRUE(ins->bind(1, name).bind(2, std::optional<int64_t>{}).run());
    ins->reset();
    ASSERT_TRUE(ins->bind(1, "c").bind(2, int64_t{1} << 40).run());
    EXPECT_EQ(c.last_insert_id(), 2);
    auto q = c.prepare("SELECT name, n FROM t ORDER BY id");
    ASSERT_TRUE(*q->step());
    EXPECT_EQ(q->get_text(0), name);
    EXPECT_FALSE(q->get_optional_int(1).has_value());
    ASSERT_TRUE(*q->step());
    EXPECT_EQ(*q->get_optional_int(1), int64_t{1} << 40);
    EXPECT_FALSE(*q->step());
}

TEST_F(DbTest, ConstraintViolationsAreConflicts) {
    auto c = open();
    ASSERT_TRUE(c.migrate(v2));
    ASSERT_TRUE(c.exec("INSERT INTO t(name) VALUES ('a')"));
    auto dup = c.exec("INSERT INTO t(name) VALUES ('a')");
    ASSERT_FALSE(dup);
    EXPECT_EQ(dup.err().code, errc::conflict);
    auto fk = c.exec("INSERT INTO u(t_id) VALUES (42)");  // foreign keys are enforced
    ASSERT_FALSE(fk);
    EXPECT_EQ(fk.err().code, errc::conflict);
}

TEST_F(DbTest, TransactionRollsBackUnlessCommitted) {
    auto c = open();
    ASSERT_TRUE(c.migrate(v1));
    {
        auto tx = db::transaction::begin(c);
        ASSERT_TRUE(tx);
        ASSERT_TRUE(c.exec("INSERT INTO t(name) VALUES ('gone')"));
    }
    {
        auto tx = db::transaction::begin(c);
        ASSERT_TRUE(c.exec("INSERT INTO t(name) VALUES ('kept')"));
        ASSERT_TRUE(tx->commit());
    }
    auto q = c.prepare("SELECT group_concat(name) FROM t");
    ASSERT_TRUE(*q->step());
    EXPECT_EQ(q->get_text(0), "kept");
}

TEST_F(DbTest, BadSqlAndBadPathsAreErrors) {
    auto c = open();
    EXPECT_FALSE(c.prepare("SELEKT 1"));
    auto bad = db::connection::open(root + "/no/such/dir/x.db");
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.err().message.find("open"), std::string::npos);
}

}  // namespace
