#include "http/guard.h"

#include <gtest/gtest.h>

using namespace lokal;
using namespace lokal::http;

namespace {

request_guard make_guard(std::string bound = "127.0.0.1") {
    guard_options o;
    o.bound_host = std::move(bound);
    o.allowed_hosts = {"lokal.example.com", "*.corp.example"};
    o.origins = {"https://app.example.com", "http://localhost:*"};
    return request_guard(o);
}

request_head post(std::string_view host, std::string_view origin, std::string_view ctype, bool browser) {
    request_head h;
    h.method = "POST";
    h.host = host;
    h.origin = origin;
    h.content_type = ctype;
    h.from_browser = browser;
    return h;
}

}  // namespace

TEST(http_guard, host_of_strips_port_brackets_case_and_trailing_dot) {
    EXPECT_EQ(host_of("LocalHost:11434"), "localhost");
    EXPECT_EQ(host_of("[::1]:80"), "::1");
    EXPECT_EQ(host_of("::1"), "::1");  // bare IPv6, no port
    EXPECT_EQ(host_of("example.com."), "example.com");
    EXPECT_EQ(host_of(""), "");
}

TEST(http_guard, loopback_and_unspecified) {
    for (const char * h : {"localhost", "127.0.0.1", "127.255.0.9", "::1", "[::1]:5", "::ffff:127.0.0.1", "a.localhost"}) {
        EXPECT_TRUE(is_loopback_host(h)) << h;
    }
    for (const char * h : {"0.0.0.0", "::", "10.0.0.1", "localhost.evil.com", "128.0.0.1", "xlocalhost"}) {
        EXPECT_FALSE(is_loopback_host(h)) << h;
    }
    EXPECT_TRUE(is_unspecified_host("0.0.0.0"));
    EXPECT_TRUE(is_unspecified_host("::"));
    EXPECT_FALSE(is_unspecified_host("127.0.0.1"));
}

TEST(http_guard, host_allow_list) {
    auto g = make_guard("192.168.7.7");
    EXPECT_TRUE(g.host_allowed(""));
    EXPECT_TRUE(g.host_allowed("localhost:11434"));
    EXPECT_TRUE(g.host_allowed("192.168.7.7:11434"));  // the bound address
    EXPECT_TRUE(g.host_allowed("LOKAL.example.com"));
    EXPECT_TRUE(g.host_allowed("gpu.corp.example:8080"));
    EXPECT_FALSE(g.host_allowed("corp.example"));  // "*." wants a subdomain
    EXPECT_FALSE(g.host_allowed("evil.example"));
    EXPECT_FALSE(g.host_allowed("192.168.7.8"));
    EXPECT_FALSE(g.host_allowed("lokal.example.com.evil.net"));
}

TEST(http_guard, unspecified_bind_accepts_interface_addresses_only) {
    auto g = make_guard("0.0.0.0");
    EXPECT_TRUE(g.host_allowed("127.0.0.1"));
    EXPECT_FALSE(g.host_allowed("203.0.113.9"));  // TEST-NET-3: never a local interface here
    EXPECT_FALSE(g.host_allowed("0.0.0.0.nip.io"));
}

TEST(http_guard, origins) {
    auto g = make_guard();
    EXPECT_TRUE(g.origin_allowed("", "x"));
    EXPECT_TRUE(g.origin_allowed("http://127.0.0.1:11434", "127.0.0.1:11434"));  // same origin
    EXPECT_FALSE(g.origin_allowed("https://127.0.0.1:11434", "127.0.0.1:11434"));  // scheme differs
    EXPECT_TRUE(g.origin_allowed("https://app.example.com", "127.0.0.1:11434"));
    EXPECT_TRUE(g.origin_allowed("http://localhost:3000", "127.0.0.1:11434"));
    EXPECT_FALSE(g.origin_allowed("https://app.example.com.evil", "127.0.0.1:11434"));
    EXPECT_FALSE(g.origin_allowed("null", "127.0.0.1:11434"));
}

TEST(http_guard, check_order_and_statuses) {
    auto g = make_guard();
    auto r = g.check(post("evil.example", "", "application/json", false));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 403);
    EXPECT_NE(r->message.find("LOKAL_ALLOWED_HOSTS"), std::string::npos);
    r = g.check(post("127.0.0.1:1", "https://evil.example", "application/json", true));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 403);
    EXPECT_NE(r->message.find("LOKAL_ORIGINS"), std::string::npos);
    r = g.check(post("127.0.0.1:1", "http://127.0.0.1:1", "text/plain", true));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 415);
    EXPECT_FALSE(g.check(post("127.0.0.1:1", "http://127.0.0.1:1", "application/json; charset=utf-8", true)));
    EXPECT_FALSE(g.check(post("127.0.0.1:1", "", "application/x-www-form-urlencoded", false)));  // curl -d
    EXPECT_TRUE(g.check(post("127.0.0.1:1", "", "Multipart/Form-Data; boundary=x", true)));
    auto get = post("127.0.0.1:1", "http://127.0.0.1:1", "text/plain", true);
    get.method = "GET";
    EXPECT_FALSE(g.check(get));
}

TEST(http_guard, cors_headers_only_for_allowed_origins) {
    guard_options o;
    o.bound_host = "127.0.0.1";
    o.origins = {"https://app.example.com"};
    o.cors_credentials = true;
    request_guard g(o);
    EXPECT_TRUE(g.cors_headers("https://evil.example", "127.0.0.1", false, "").empty());
    EXPECT_TRUE(g.cors_headers("", "127.0.0.1", false, "").empty());
    auto h = g.cors_headers("https://app.example.com", "127.0.0.1", true, "x-api-key");
    std::map<std::string, std::string> m(h.begin(), h.end());
    EXPECT_EQ(m["Access-Control-Allow-Origin"], "https://app.example.com");
    EXPECT_EQ(m["Access-Control-Allow-Credentials"], "true");
    EXPECT_EQ(m["Access-Control-Allow-Headers"], "x-api-key");
}

TEST(http_guard, exposure) {
    EXPECT_TRUE(check_exposure("127.0.0.1", {}));
    EXPECT_TRUE(check_exposure("localhost", {}));
    EXPECT_TRUE(check_exposure("::1", {}));
    auto st = check_exposure("0.0.0.0", {});
    ASSERT_FALSE(st);
    EXPECT_NE(st.err().message.find("LOKAL_INSECURE_NO_AUTH=1"), std::string::npos);
    EXPECT_FALSE(check_exposure("", {}));
    EXPECT_FALSE(check_exposure("192.168.1.5", {}));
    EXPECT_TRUE(check_exposure("0.0.0.0", {.auth_configured = false, .insecure_no_auth = true}));
    EXPECT_TRUE(check_exposure("0.0.0.0", {.auth_configured = true, .insecure_no_auth = false}));
}
