#include "api/requests.h"

#include <gtest/gtest.h>

using namespace lokal;

TEST(api_requests, generate_defaults) {
    auto r = api::parse_generate(json{{"model", "m"}, {"prompt", "hi"}});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->model, "m");
    EXPECT_EQ(r->prompt, "hi");
    EXPECT_TRUE(r->stream);
    EXPECT_FALSE(r->raw);
    EXPECT_FALSE(r->keep_alive.has_value());
    EXPECT_TRUE(r->format.is_null());
}

TEST(api_requests, generate_type_errors) {
    EXPECT_FALSE(api::parse_generate(json{{"model", "m"}, {"prompt", 5}}).ok());
    EXPECT_FALSE(api::parse_generate(json{{"model", "m"}, {"stream", "yes"}}).ok());
    EXPECT_FALSE(api::parse_generate(json{{"model", "m"}, {"options", json::array()}}).ok());
    EXPECT_FALSE(api::parse_generate(json{{"model", "m"}, {"context", json{1, -2}}}).ok());
    EXPECT_FALSE(api::parse_generate(json{{"model", "m"}, {"format", 3}}).ok());
    auto missing = api::parse_generate(json{{"prompt", "x"}});
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.err().message, "model is required");
}

TEST(api_requests, legacy_name_field) {
    auto r = api::parse_generate(json{{"name", "m"}});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->model, "m");
}

TEST(api_requests, keep_alive_forms) {
    using std::chrono::milliseconds;
    EXPECT_EQ(*api::parse_keep_alive(json(10)), milliseconds(10000));
    EXPECT_EQ(*api::parse_keep_alive(json(-1)), milliseconds(-1));
    EXPECT_EQ(*api::parse_keep_alive(json("5m")), milliseconds(300000));
    EXPECT_EQ(*api::parse_keep_alive(json("-1m")), milliseconds(-1));
    EXPECT_EQ(*api::parse_keep_alive(json("0")), milliseconds(0));
    EXPECT_FALSE(api::parse_keep_alive(json("forever")).ok());
    EXPECT_FALSE(api::parse_keep_alive(json::array()).ok());
}

TEST(api_requests, chat_messages) {
    auto r = api::parse_chat(json{{"model", "m"},
                                  {"messages", json{{{"role", "user"}, {"content", "hi"}}}},
                                  {"stream", false}});
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->messages.size(), 1u);
    EXPECT_EQ(r->messages[0].role, "user");
    EXPECT_FALSE(r->stream);
    EXPECT_FALSE(api::parse_chat(json{{"model", "m"}, {"messages", "hi"}}).ok());
    EXPECT_FALSE(api::parse_chat(json{{"model", "m"}, {"messages", json{{{"content", "x"}}}}}).ok());
    auto bad = api::parse_chat(json{{"model", "m"}, {"messages", json{{{"role", "user"}, {"content", 1}}}}});
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.err().message.find("messages[0].content"), std::string::npos);
}

TEST(api_requests, timestamps_are_rfc3339) {
    auto tp = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000)) + std::chrono::nanoseconds(123400000);
    EXPECT_EQ(api::format_timestamp(tp), "2023-11-14T22:13:20.1234Z");
    EXPECT_EQ(api::format_timestamp(std::chrono::system_clock::time_point(std::chrono::seconds(1700000000))),
              "2023-11-14T22:13:20Z");
}

TEST(api_requests, debug_render_only) {
    EXPECT_FALSE(api::parse_generate(json{{"model", "m"}})->debug_render_only);
    EXPECT_TRUE(api::parse_generate(json{{"model", "m"}, {"_debug_render_only", true}})->debug_render_only);
    EXPECT_FALSE(api::parse_chat(json{{"model", "m"}})->debug_render_only);
    EXPECT_TRUE(api::parse_chat(json{{"model", "m"}, {"_debug_render_only", true}})->debug_render_only);
    EXPECT_FALSE(api::parse_chat(json{{"model", "m"}, {"_debug_render_only", "yes"}}).ok());
}
