#include "cli/format.h"

#include <gtest/gtest.h>

using namespace lokal::cli;
using namespace std::chrono;

TEST(cli_format, human_bytes_as_ollama) {
    EXPECT_EQ(human_bytes(0), "0 B");
    EXPECT_EQ(human_bytes(999), "999 B");
    EXPECT_EQ(human_bytes(1000), "1 KB");
    EXPECT_EQ(human_bytes(1500), "1.5 KB");
    EXPECT_EQ(human_bytes(1234567), "1.2 MB");
    EXPECT_EQ(human_bytes(12345678), "12 MB");
    EXPECT_EQ(human_bytes(2019393189), "2.0 GB");
    EXPECT_EQ(human_bytes(4683075271), "4.7 GB");
    EXPECT_EQ(human_bytes(2000000000), "2 GB");
    EXPECT_EQ(human_bytes(1500000000000), "1.5 TB");
}

TEST(cli_format, human_number) {
    EXPECT_EQ(human_number(999), "999");
    EXPECT_EQ(human_number(1500), "2K");
    EXPECT_EQ(human_number(124000000), "124M");
    EXPECT_EQ(human_number(1230000), "1.23M");
    EXPECT_EQ(human_number(8000000000), "8B");
    EXPECT_EQ(human_number(8030261248), "8.0B");
    EXPECT_EQ(human_number(1240000000), "1.2B");
}

TEST(cli_format, human_time_ago_and_from_now) {
    const lokal::cli::sys_time now = sys_days{2025y / 5 / 10} + 12h;
    EXPECT_EQ(human_time(std::nullopt, now, "Never"), "Never");
    EXPECT_EQ(human_time(now - 500ms, now, ""), "Less than a second ago");
    EXPECT_EQ(human_time(now - 1s, now, ""), "1 second ago");
    EXPECT_EQ(human_time(now - 42s, now, ""), "42 seconds ago");
    EXPECT_EQ(human_time(now - 90s, now, ""), "About a minute ago");
    EXPECT_EQ(human_time(now - 2min, now, ""), "2 minutes ago");
    EXPECT_EQ(human_time(now - 61min, now, ""), "About an hour ago");
    EXPECT_EQ(human_time(now - 5h, now, ""), "5 hours ago");
    EXPECT_EQ(human_time(now - 72h, now, ""), "3 days ago");
    EXPECT_EQ(human_time(now - 24h * 20, now, ""), "2 weeks ago");
    EXPECT_EQ(human_time(now - 24h * 90, now, ""), "3 months ago");
    EXPECT_EQ(human_time(now - 24h * 365 * 3, now, ""), "3 years ago");
    EXPECT_EQ(human_time(now + 4min + 30s, now, ""), "4 minutes from now");
    EXPECT_EQ(human_time(now + 24h * 365 * 100, now, ""), "Forever");
}

TEST(cli_format, go_duration_strings) {
    EXPECT_EQ(go_duration(0), "0s");
    EXPECT_EQ(go_duration(999), "999ns");
    EXPECT_EQ(go_duration(12345), "12.345\xC2\xB5s");
    EXPECT_EQ(go_duration(250000000), "250ms");
    EXPECT_EQ(go_duration(35123456), "35.123456ms");
    EXPECT_EQ(go_duration(1500000000), "1.5s");
    EXPECT_EQ(go_duration(60000000000), "1m0s");
    EXPECT_EQ(go_duration(3723500000000), "1h2m3.5s");
    EXPECT_EQ(go_duration(-1500000000), "-1.5s");
}

TEST(cli_format, rfc3339) {
    auto t = parse_rfc3339("2025-05-10T08:06:48.639712648-07:00");
    ASSERT_TRUE(t);
    auto utc = parse_rfc3339("2025-05-10T15:06:48.639712648Z");
    ASSERT_TRUE(utc);
    EXPECT_EQ(*t, *utc);
    EXPECT_EQ(duration_cast<seconds>(utc->time_since_epoch()).count(), 1746889608);
    EXPECT_FALSE(parse_rfc3339("0001-01-01T00:00:00Z"));  // Go's zero time
    EXPECT_FALSE(parse_rfc3339("yesterday"));
    EXPECT_FALSE(parse_rfc3339(""));
}

TEST(cli_format, table_like_tablewriter) {
    const std::string t = render_table({"NAME", "ID", "SIZE"}, {{"llama3.2:latest", "a80c4f17acd5", "2.0 GB"},
                                                                {"x:1", "0123456789ab", "12 MB"}});
    EXPECT_EQ(t,
              "NAME               ID              SIZE   \n"
              "llama3.2:latest    a80c4f17acd5    2.0 GB    \n"
              "x:1                0123456789ab    12 MB     \n");
    // no header, leading empty column: the indented sections of `show`
    EXPECT_EQ(render_table({}, {{"", "architecture", "llama"}, {"", "quantization", "Q4_0"}}),
              "    architecture    llama    \n"
              "    quantization    Q4_0     \n");
    // header only when there are no rows
    EXPECT_EQ(render_table({"NAME", "ID"}, {}), "NAME    ID \n");
}

TEST(cli_format, table_wraps_long_cells_and_counts_wide_glyphs) {
    const std::string t = render_table({}, {{"", "one two three four"}}, 9);
    EXPECT_EQ(t, "    one two    \n    three      \n    four       \n");
    EXPECT_EQ(display_width("日本"), 4u);
    EXPECT_EQ(display_width("héllo"), 5u);
}
