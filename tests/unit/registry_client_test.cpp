// The pure parts of the registry client: URLs, hosts, redirect and credential
// rules, WWW-Authenticate, the auth file, base64 and progress objects.
#include "registry/auth.h"
#include "registry/progress.h"
#include "registry/session.h"
#include "registry/url.h"
#include "store/name.h"

#include <gtest/gtest.h>

using namespace lokal;
using namespace lokal::registry;

namespace {

store::model_name name_of(std::string_view s) {
    auto n = store::parse_model_name(s);
    EXPECT_TRUE(n.ok()) << s;
    return n ? *n : store::model_name{};
}

url_parts url_of(std::string_view s) {
    auto u = parse_url(s);
    EXPECT_TRUE(u.ok()) << s;
    return u ? *u : url_parts{};
}

const std::string k_digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

}  // namespace

TEST(RegistryUrl, EndpointFromName) {
    auto ep = endpoint_for(name_of("stories"), false);
    ASSERT_TRUE(ep.ok());
    EXPECT_EQ(ep->base(), "https://registry.ollama.ai");
    EXPECT_EQ(manifest_url(*ep, name_of("stories"), "latest"),
              "https://registry.ollama.ai/v2/library/stories/manifests/latest");

    auto local = name_of("127.0.0.1:5000/library/stories:v1");
    ep = endpoint_for(local, true);
    ASSERT_TRUE(ep.ok());
    EXPECT_EQ(ep->base(), "http://127.0.0.1:5000");
    EXPECT_EQ(blob_url(*ep, local, k_digest), "http://127.0.0.1:5000/v2/library/stories/blobs/" + k_digest);
    EXPECT_EQ(upload_start_url(*ep, local), "http://127.0.0.1:5000/v2/library/stories/blobs/uploads/");
    EXPECT_EQ(endpoint_for(local, false)->scheme, "https");
}

TEST(RegistryUrl, HostValidation) {
    for (const char * ok : {"registry.ollama.ai", "127.0.0.1:5000", "localhost", "my_host-1.example:443"}) {
        EXPECT_TRUE(validate_host(ok).ok()) << ok;
    }
    for (const char * bad : {"", "user@host", "host/path", "host:0", "host:65536", "host:5000:1", "host:x",
                             ".host", "-host", "host?x", "ho st", "host:", "host#frag", "a\\b"}) {
        EXPECT_FALSE(validate_host(bad).ok()) << bad;
    }
}

TEST(RegistryUrl, Loopback) {
    // core/host's judgement, as URL hosts reach it (http_guard_test has the rest).
    for (const char * h : {"127.0.0.1:5000", "localhost", "LOCALHOST:80", "127.1.2.3", "[::1]:8080", "localhost.",
                           "[::ffff:127.0.0.1]:80"}) {
        EXPECT_TRUE(is_loopback_host(h)) << h;
    }
    for (const char * h : {"127.0.0.1.example.com", "10.0.0.1", "localhost.evil"}) EXPECT_FALSE(is_loopback_host(h)) << h;
}

TEST(RegistryUrl, KeepOffLoopback) {
    // What a remote registry names on another host must not be this machine;
    // its own host, or any host when the registry itself is local, may.
    EXPECT_TRUE(keep_off_loopback(url_of("https://r.example/v2/"), url_of("https://cdn.example/b")));
    EXPECT_TRUE(keep_off_loopback(url_of("http://10.0.0.5:5000/"), url_of("http://127.1:11434/")));
    EXPECT_FALSE(keep_off_loopback(url_of("https://r.example/v2/"), url_of("https://r.example/token")));
    EXPECT_FALSE(keep_off_loopback(url_of("http://127.0.0.1:5000/"), url_of("http://localhost:5001/token")));
}

TEST(RegistryUrl, ParseUrl) {
    auto u = url_of("https://Example.COM/v2/x?y=1#frag");
    EXPECT_EQ(u.scheme, "https");
    EXPECT_EQ(u.host, "example.com");
    EXPECT_EQ(u.port, 443);
    EXPECT_EQ(u.path, "/v2/x?y=1");
    EXPECT_EQ(url_of("http://h:8080").path, "/");
    EXPECT_EQ(url_of("http://h").port, 80);
    for (const char * bad : {"ftp://h/x", "https://user:pw@h/x", "https://h:99999/", "https://h /x", "//h/x", "h/x",
                             "file:///etc/passwd", "https://h\\@evil/"}) {
        EXPECT_FALSE(parse_url(bad).ok()) << bad;
    }
}

TEST(RegistryUrl, ResolveLocation) {
    EXPECT_EQ(*resolve_location("http://127.0.0.1:5000/v2/a/b/blobs/uploads/", "/v2/a/b/blobs/uploads/u1?_state=s"),
              "http://127.0.0.1:5000/v2/a/b/blobs/uploads/u1?_state=s");
    EXPECT_EQ(*resolve_location("https://r.example/v2/x", "https://cdn.example/blob?sig=1"),
              "https://cdn.example/blob?sig=1");
    EXPECT_EQ(*resolve_location("https://r.example:443/v2/x", "/y"), "https://r.example/y");
    EXPECT_FALSE(resolve_location("https://r.example/v2/x", "").ok());
    EXPECT_FALSE(resolve_location("https://r.example/v2/x", "//evil.example/y").ok());
    EXPECT_FALSE(resolve_location("https://r.example/v2/x", "relative/path").ok());
    EXPECT_FALSE(resolve_location("https://r.example/v2/x", "javascript:alert(1)").ok());
}

TEST(RegistryUrl, AddQuery) {
    EXPECT_EQ(add_query("http://h/u", "digest", "d"), "http://h/u?digest=d");
    EXPECT_EQ(add_query("http://h/u?_state=s", "digest", "d"), "http://h/u?_state=s&digest=d");
}

TEST(RegistryRedirects, CredentialsOnlyToTheSameOrigin) {
    auto reg = url_of("https://registry.example/v2/a/b/blobs/x");
    EXPECT_TRUE(may_send_credentials(reg, url_of("https://registry.example/other")));
    EXPECT_TRUE(may_send_credentials(reg, url_of("https://REGISTRY.example:443/other")));
    EXPECT_FALSE(may_send_credentials(reg, url_of("https://cdn.example/blob")));
    EXPECT_FALSE(may_send_credentials(reg, url_of("https://registry.example:8443/blob")));
    EXPECT_FALSE(may_send_credentials(reg, url_of("http://registry.example/blob")));
    EXPECT_FALSE(may_send_credentials(reg, url_of("https://registry.example.evil/blob")));
}

TEST(RegistryRedirects, NoDowngrade) {
    EXPECT_FALSE(may_follow_redirect(url_of("https://r.example/"), url_of("http://cdn.example/")));
    EXPECT_TRUE(may_follow_redirect(url_of("https://r.example/"), url_of("https://cdn.example/")));
    EXPECT_TRUE(may_follow_redirect(url_of("http://127.0.0.1:5000/"), url_of("http://127.0.0.1:5000/x")));
    EXPECT_TRUE(may_follow_redirect(url_of("http://127.0.0.1:5000/"), url_of("https://cdn.example/")));
    EXPECT_TRUE(may_follow_redirect(url_of("http://127.0.0.1:5000/"), url_of("http://localhost:5001/")));
    EXPECT_FALSE(may_follow_redirect(url_of("https://r.example/"), url_of("https://127.0.0.1:11434/api/tags")));
    EXPECT_FALSE(may_follow_redirect(url_of("http://r.example/"), url_of("http://localhost/x")));
}

TEST(RegistryAuth, BearerChallenge) {
    auto c = parse_www_authenticate(
        R"(Bearer realm="https://auth.example/token",service="registry.example",scope="repository:library/m:pull")");
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->scheme, "bearer");
    EXPECT_EQ(c->realm, "https://auth.example/token");
    EXPECT_EQ(c->service, "registry.example");
    EXPECT_EQ(c->scope, "repository:library/m:pull");
    EXPECT_EQ(*token_url(*c),
              "https://auth.example/token?service=registry.example&scope=repository%3Alibrary%2Fm%3Apull");
}

TEST(RegistryAuth, ChallengeVariants) {
    auto c = parse_www_authenticate(R"(bearer  realm = "https://a/t" , service=svc, error="invalid_token")");
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->realm, "https://a/t");
    EXPECT_EQ(c->service, "svc");
    c = parse_www_authenticate(R"(Basic realm="Registry Realm")");
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->scheme, "basic");
    EXPECT_EQ(c->realm, "Registry Realm");
    c = parse_www_authenticate(R"(Bearer realm="https://a/\"q\"")");
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->realm, "https://a/\"q\"");
    // A second challenge after the first is ignored.
    c = parse_www_authenticate(R"(Bearer realm="https://a/t",service="s", Basic realm="x")");
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->service, "s");
    for (const char * bad : {"", "   ", R"(Bearer realm="unterminated)", "Bearer =x", "Bearer realm"}) {
        EXPECT_FALSE(parse_www_authenticate(bad).ok()) << bad;
    }
    challenge no_realm{"bearer", "", "s", ""};
    EXPECT_FALSE(token_url(no_realm).ok());
    challenge file_realm{"bearer", "file:///etc/passwd", "", ""};
    EXPECT_FALSE(token_url(file_realm).ok());
}

TEST(RegistryAuth, TokenResponse) {
    EXPECT_EQ(*parse_token_response(R"({"token":"abc","expires_in":60})"), "abc");
    EXPECT_EQ(*parse_token_response(R"({"access_token":"xyz"})"), "xyz");
    EXPECT_EQ(parse_token_response(R"({"token":""})").err().code, errc::unauthorized);
    EXPECT_FALSE(parse_token_response("not json").ok());
    EXPECT_FALSE(parse_token_response("[1]").ok());
}

TEST(RegistryAuth, AuthFile) {
    auto m = parse_auth_file(R"({"auths":{
        "127.0.0.1:5000":{"username":"u","password":"p:w"},
        "https://Registry.Example/v1/":{"auth":")" + base64_encode("alice:s3cret") + R"("},
        "bad host/x y":{"username":"a","password":"b"},
        "nocreds.example":{"email":"x"},
        "badauth.example":{"auth":"!!!"}}})");
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(m->size(), 2u);
    auto c = find_credentials(*m, "127.0.0.1:5000");
    ASSERT_TRUE(c.has_value());
    EXPECT_EQ(c->username, "u");
    EXPECT_EQ(c->password, "p:w");
    c = find_credentials(*m, "registry.example");
    ASSERT_TRUE(c.has_value());
    EXPECT_EQ(c->username, "alice");
    EXPECT_EQ(c->password, "s3cret");
    EXPECT_FALSE(find_credentials(*m, "127.0.0.1:5001").has_value());
    EXPECT_FALSE(find_credentials(*m, "nocreds.example").has_value());

    EXPECT_TRUE(parse_auth_file("{}")->empty());
    EXPECT_FALSE(parse_auth_file("not json").ok());
    EXPECT_FALSE(parse_auth_file(R"({"auths":[]})").ok());
    EXPECT_TRUE(load_auth_file("")->empty());
    EXPECT_FALSE(load_auth_file("/nonexistent/lokal-auth.json").ok());
}

TEST(RegistryAuth, Base64) {
    EXPECT_EQ(base64_encode(""), "");
    EXPECT_EQ(base64_encode("f"), "Zg==");
    EXPECT_EQ(base64_encode("fo"), "Zm8=");
    EXPECT_EQ(base64_encode("foo"), "Zm9v");
    EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
    for (const std::string & s : std::vector<std::string>{"", "a", "ab", "abc", "user:pass word", std::string("\0\xff\x10", 3)}) {
        EXPECT_EQ(*base64_decode(base64_encode(s)), s);
    }
    EXPECT_FALSE(base64_decode("abc").has_value());
    EXPECT_FALSE(base64_decode("a=bc").has_value());
    EXPECT_FALSE(base64_decode("ab!c").has_value());
    EXPECT_EQ(basic_authorization({"aladdin", "opensesame"}), "Basic YWxhZGRpbjpvcGVuc2VzYW1l");
}

TEST(RegistryProgress, OllamaShapes) {
    EXPECT_EQ(status_object("pulling manifest").dump(), R"({"status":"pulling manifest"})");
    EXPECT_EQ(layer_progress("pulling", k_digest, 1000, 0).dump(),
              R"({"status":"pulling 0123456789ab","digest":")" + k_digest + R"(","total":1000})");
    EXPECT_EQ(layer_progress("pushing", k_digest, 1000, 500).dump(),
              R"({"status":"pushing 0123456789ab","digest":")" + k_digest + R"(","total":1000,"completed":500})");
    EXPECT_EQ(short_digest(k_digest), "0123456789ab");
}

TEST(RegistryProgress, ReporterThrottlesAndStops) {
    std::vector<json> seen;
    bool listening = true;
    reporter r([&](const json & j) {
        seen.push_back(j);
        return listening;
    }, std::chrono::hours(1));
    EXPECT_TRUE(r.layer("pulling", k_digest, 100, 0));   // first: always
    EXPECT_TRUE(r.layer("pulling", k_digest, 100, 0));   // a repeat: dropped
    EXPECT_TRUE(r.layer("pulling", k_digest, 100, 10));  // within the interval: dropped
    EXPECT_TRUE(r.layer("pulling", k_digest, 100, 100)); // done: always
    EXPECT_TRUE(r.layer("pulling", k_digest, 100, 100)); // done again: dropped
    std::string other = "sha256:" + std::string(64, 'f');
    EXPECT_TRUE(r.layer("pulling", other, 5, 5));        // another layer: always
    EXPECT_EQ(seen.size(), 3u);
    EXPECT_EQ(seen[2]["digest"], other);
    listening = false;
    EXPECT_FALSE(r.status("success"));
    EXPECT_TRUE(r.gone());
    EXPECT_FALSE(r.status("again"));
    EXPECT_EQ(seen.size(), 4u);
}

TEST(RegistryErrors, StatusMapping) {
    http_response res;
    res.status = 404;
    res.body = R"({"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry"}]})";
    auto e = registry_error(res, "pull blob");
    EXPECT_EQ(e.code, errc::not_found);
    EXPECT_NE(e.message.find("blob unknown to registry"), std::string::npos);
    res.body = "<html>";
    res.status = 401;
    EXPECT_EQ(registry_error(res, "x").code, errc::unauthorized);
    EXPECT_EQ(registry_error(res, "push manifest").message, "push manifest: unauthorized (HTTP 401)");
    res.status = 403;
    EXPECT_EQ(registry_error(res, "x").code, errc::forbidden);
    EXPECT_NE(registry_error(res, "x").message.find("access denied"), std::string::npos);
    res.status = 503;
    EXPECT_EQ(registry_error(res, "x").code, errc::unavailable);
    res.status = 400;
    EXPECT_EQ(registry_error(res, "x").code, errc::internal);
}

// Untrusted header and URL text: no input crashes the parsers, and whatever
// parse_url accepts has a host that could not smuggle a path or userinfo.
TEST(RegistryFuzz, ParsersHoldOnArbitraryInput) {
    const std::string alphabet = "aZ09:/?#@.-_ =\",\\\t[]%hts";
    uint32_t seed = 12345;
    auto next = [&seed] {
        seed = seed * 1664525u + 1013904223u;
        return seed >> 8;
    };
    for (int i = 0; i < 20000; ++i) {
        std::string s = i % 2 ? "https://" : (i % 3 ? "Bearer " : "");
        size_t len = next() % 40;
        for (size_t k = 0; k < len; ++k) s += alphabet[next() % alphabet.size()];
        (void)parse_www_authenticate(s);
        (void)resolve_location("https://r.example/v2/", s);
        auto u = parse_url(s);
        if (u) {
            EXPECT_EQ(u->host.find_first_of("/@?#\\ "), std::string::npos) << s;
            EXPECT_TRUE(u->port >= 1 && u->port <= 65535) << s;
            EXPECT_EQ(u->path.front(), '/') << s;
        }
    }
}
