#include "audit/audit.h"
#include "core/json.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

using namespace lokal;
namespace fs = std::filesystem;

namespace {

std::vector<json> read_lines(const std::string & path) {
    std::ifstream in(path);
    std::vector<json> out;
    for (std::string line; std::getline(in, line);) out.push_back(json::parse(line));
    return out;
}

class AuditTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string tmpl = fs::temp_directory_path().string() + "/lokal-audit-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
        dir = tmpl;
        path = dir + "/audit.log";
    }
    void TearDown() override { fs::remove_all(dir); }
    std::string dir, path;
};

}  // namespace

TEST(audit_format, fields_in_order_and_nulls_for_empty) {
    auto t = std::chrono::system_clock::time_point(std::chrono::milliseconds(1'700'000'000'123));
    std::string line = audit::format_line(audit::event{"", "127.0.0.1", "delete", "stories:latest", 200, ""}, t);
    EXPECT_EQ(line, "{\"time\":\"2023-11-14T22:13:20.123Z\",\"principal\":null,\"source\":\"127.0.0.1\","
                    "\"action\":\"delete\",\"target\":\"stories:latest\",\"status\":200,\"error\":null}\n");
}

TEST(audit_format, escapes_and_cuts_long_fields) {
    std::string target(2000, 'x');
    std::string line = audit::format_line(audit::event{"ann", "::1", "pull", target + "\n\"", 404, "bad\xff"}, {});
    ASSERT_EQ(line.back(), '\n');
    EXPECT_EQ(line.find('\n'), line.size() - 1);  // one line, whatever the fields hold
    json j = json::parse(line);
    EXPECT_EQ(j["principal"], "ann");
    EXPECT_EQ(j["target"].get<std::string>().size(), 512u);
    EXPECT_EQ(j["status"], 404);
    EXPECT_TRUE(j["error"].is_string());
}

TEST_F(AuditTest, appends_one_line_per_record_with_private_mode) {
    audit::log log(path);
    ASSERT_TRUE(log.open());
    ASSERT_TRUE(log.record({"", "127.0.0.1", "copy", "a -> b", 200, ""}));
    ASSERT_TRUE(log.record({"", "127.0.0.1", "delete", "a", 404, "model 'a' not found"}));
    auto lines = read_lines(path);
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[0]["action"], "copy");
    EXPECT_EQ(lines[1]["error"], "model 'a' not found");
    EXPECT_EQ(fs::status(path).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
    // Reopening appends, never truncates.
    audit::log again(path);
    ASSERT_TRUE(again.open());
    ASSERT_TRUE(again.record({"", "", "pull", "x", 200, ""}));
    EXPECT_EQ(read_lines(path).size(), 3u);
}

TEST_F(AuditTest, a_renamed_file_is_replaced_at_the_next_line) {
    audit::log log(path);
    ASSERT_TRUE(log.open());
    ASSERT_TRUE(log.record({"", "", "copy", "1", 200, ""}));
    fs::rename(path, path + ".1");
    ASSERT_TRUE(log.record({"", "", "copy", "2", 200, ""}));
    ASSERT_EQ(read_lines(path + ".1").size(), 1u);
    auto fresh = read_lines(path);
    ASSERT_EQ(fresh.size(), 1u);
    EXPECT_EQ(fresh[0]["target"], "2");
    fs::remove(path);  // removed outright: recreated too
    ASSERT_TRUE(log.record({"", "", "copy", "3", 200, ""}));
    EXPECT_EQ(read_lines(path).size(), 1u);
}

TEST_F(AuditTest, an_unwritable_location_is_an_error) {
    audit::log log(dir + "/missing/audit.log");
    auto st = log.open();
    ASSERT_FALSE(st);
    EXPECT_NE(st.err().message.find("audit log"), std::string::npos);
    EXPECT_FALSE(log.record({"", "", "copy", "x", 200, ""}));
}

TEST_F(AuditTest, a_disabled_log_writes_nothing) {
    audit::log log("");
    ASSERT_TRUE(log.open());
    ASSERT_TRUE(log.record({"", "", "copy", "x", 200, ""}));
    EXPECT_FALSE(fs::exists(path));
}

TEST_F(AuditTest, concurrent_records_never_interleave) {
    audit::log log(path);
    ASSERT_TRUE(log.open());
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&log, t] {
            for (int i = 0; i < 50; ++i) {
                (void)log.record({"", "", "blob_upload", std::string(300, static_cast<char>('a' + t)), 201, ""});
            }
        });
    }
    for (auto & th : threads) th.join();
    auto lines = read_lines(path);  // every line parses
    EXPECT_EQ(lines.size(), 200u);
}
