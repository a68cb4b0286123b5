#include "engine/text_stream.h"

#include <gtest/gtest.h>

using lokal::engine::text_stream;
using lokal::engine::utf8_complete_prefix;

TEST(text_stream, passes_text_without_stops) {
    text_stream ts;
    EXPECT_EQ(ts.push("Hello"), "Hello");
    EXPECT_EQ(ts.push(" world"), " world");
    EXPECT_EQ(ts.flush(), "");
    EXPECT_FALSE(ts.stopped());
}

TEST(text_stream, cuts_at_stop_sequence_across_pieces) {
    text_stream ts({"</s>"});
    EXPECT_EQ(ts.push("The end<"), "The end");  // "<" might start the stop
    EXPECT_EQ(ts.push("/"), "");
    EXPECT_EQ(ts.push("s> more"), "");
    EXPECT_TRUE(ts.stopped());
    EXPECT_EQ(ts.push("ignored"), "");
    EXPECT_EQ(ts.flush(), "");
}

TEST(text_stream, releases_held_text_that_did_not_become_a_stop) {
    text_stream ts({"STOP"});
    EXPECT_EQ(ts.push("a ST"), "a ");
    EXPECT_EQ(ts.push("AR"), "STAR");
    EXPECT_EQ(ts.push("ST"), "");
    EXPECT_EQ(ts.flush(), "ST");
}

TEST(text_stream, earliest_of_several_stops_wins) {
    text_stream ts({"b", "a"});
    EXPECT_EQ(ts.push("xxab"), "xx");
    EXPECT_TRUE(ts.stopped());
}

TEST(text_stream, holds_incomplete_utf8) {
    text_stream ts;
    std::string euro = "\xE2\x82\xAC";
    EXPECT_EQ(ts.push("1" + euro.substr(0, 2)), "1");
    EXPECT_EQ(ts.push(euro.substr(2)), euro);
}

TEST(text_stream, utf8_prefix) {
    EXPECT_EQ(utf8_complete_prefix("abc"), 3u);
    EXPECT_EQ(utf8_complete_prefix("a\xC3"), 1u);
    EXPECT_EQ(utf8_complete_prefix("a\xC3\xA4"), 3u);
    EXPECT_EQ(utf8_complete_prefix("\xF0\x9F\x98"), 0u);
    EXPECT_EQ(utf8_complete_prefix("\xF0\x9F\x98\x80"), 4u);
    EXPECT_EQ(utf8_complete_prefix("\xFF"), 1u);  // invalid lead: nothing to wait for
}
