// The one mapping from errors to HTTP responses.
#include "http/server.h"

#include <gtest/gtest.h>

using namespace lokal;

namespace {
std::string header(const http::response & res, const std::string & name) {
    for (const auto & [k, v] : res.headers) {
        if (k == name) return v;
    }
    return {};
}
}  // namespace

TEST(http_errors, busy_errors_carry_retry_after) {
    http::response res;
    http::set_error(res, make_busy_error("server busy", 3));
    EXPECT_EQ(res.status, 503);
    EXPECT_EQ(res.body, R"({"error":"server busy"})");
    EXPECT_EQ(header(res, "Retry-After"), "3");
}

TEST(http_errors, other_errors_have_no_retry_after) {
    http::response res;
    http::set_error(res, make_error(errc::unavailable, "shutting down"));
    EXPECT_EQ(res.status, 503);
    EXPECT_EQ(header(res, "Retry-After"), "");
    http::set_error(res, make_error(errc::not_found, "model 'x' not found"));
    EXPECT_EQ(res.status, 404);
}
