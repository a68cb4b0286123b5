// The route policy and the crypto helpers: pure functions, no server.
#include "auth/accounts.h"
#include "auth/crypto.h"
#include "auth/gate.h"
#include "auth/policy.h"

#include <gtest/gtest.h>

using namespace lokal;
using namespace lokal::auth;

TEST(AuthPolicy, NativeRoutesNeedTheirScope) {
    EXPECT_EQ(required("POST", "/api/generate"), need::inference);
    EXPECT_EQ(required("POST", "/api/chat"), need::inference);
    EXPECT_EQ(required("POST", "/api/embeddings"), need::inference);
    EXPECT_EQ(required("GET", "/api/tags"), need::inference);
    EXPECT_EQ(required("POST", "/api/pull"), need::models);
    EXPECT_EQ(required("DELETE", "/api/delete"), need::models);
    EXPECT_EQ(required("POST", "/api/blobs/:digest"), need::models);
    EXPECT_EQ(required("HEAD", "/api/blobs/:digest"), need::models);
    EXPECT_EQ(required("POST", "/lokal/api/users"), need::admin);
    EXPECT_EQ(required("DELETE", "/lokal/api/keys/:id"), need::admin);
}

TEST(AuthPolicy, OpenRoutesAreFewAndHeadFollowsGet) {
    EXPECT_EQ(required("GET", "/"), need::open);
    EXPECT_EQ(required("HEAD", "/"), need::open);
    EXPECT_EQ(required("GET", "/api/version"), need::open);
    EXPECT_EQ(required("HEAD", "/api/version"), need::open);
    // A method the table does not list for a path is not open.
    EXPECT_EQ(required("POST", "/"), need::admin);
    EXPECT_EQ(required("POST", "/api/version"), need::admin);
}

TEST(AuthPolicy, EveryV1RouteIsInference) {
    for (const char * p : {"/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/v1/models", "/v1/models/(.+)",
                           "/v1/messages", "/v1/messages/count_tokens", "/v1/some-future-route"}) {
        EXPECT_EQ(required("POST", p), need::inference) << p;
        EXPECT_EQ(required("GET", p), need::inference) << p;
    }
}

TEST(AuthPolicy, UnknownRoutesNeedAdmin) {
    EXPECT_EQ(required("GET", "/lokal/api/something-new"), need::admin);
    EXPECT_EQ(required("POST", "/api/generate/extra"), need::admin);
    EXPECT_EQ(required("GET", "/api/generate"), need::admin);  // generate is POST only
}

TEST(AuthPolicy, OwnKeyRoutesNeedOnlyACredential) {
    EXPECT_EQ(required("GET", "/lokal/api/auth/keys"), need::signed_in);
    EXPECT_EQ(required("HEAD", "/lokal/api/auth/keys"), need::signed_in);
    EXPECT_EQ(required("POST", "/lokal/api/auth/keys"), need::signed_in);
    EXPECT_EQ(required("DELETE", "/lokal/api/auth/keys/:id"), need::signed_in);
    EXPECT_EQ(required("PUT", "/lokal/api/auth/keys/:id"), need::admin);
    EXPECT_EQ(required("GET", "/lokal/api/keys"), need::admin);
}

TEST(AuthPolicy, OwnKeysHoldAtMostWhatTheirMakerMayGrant) {
    principal session{1, "bob", "user", scope_inference, 0, "lks-x"};
    principal key{1, "bob", "user", scope_inference, 7, ""};
    principal admin{2, "root", "admin", all_scopes, 0, "lks-y"};
    EXPECT_EQ(role_scopes("user"), scope_inference | scope_models);
    EXPECT_EQ(role_scopes("admin"), all_scopes);
    // A session grants its role's scopes, a key its own.
    EXPECT_EQ(*own_key_scopes(session, scope_inference | scope_models), scope_inference | scope_models);
    EXPECT_EQ(own_key_scopes(key, scope_models).err().code, errc::forbidden);
    EXPECT_EQ(own_key_scopes(session, scope_admin).err().code, errc::forbidden);
    EXPECT_EQ(*own_key_scopes(admin, scope_admin), scope_admin);
    // Defaults: inference, or the key's own scopes when it lacks inference.
    EXPECT_EQ(*own_key_scopes(session, std::nullopt), scope_inference);
    EXPECT_EQ(*own_key_scopes(principal{1, "bob", "user", scope_models, 8, ""}, std::nullopt), scope_models);
    // A demoted admin's key with the admin bit grants no admin.
    EXPECT_EQ(own_key_scopes(principal{1, "bob", "user", all_scopes, 9, ""}, scope_admin).err().code, errc::forbidden);
    EXPECT_EQ(own_key_scopes(key, 0u).err().code, errc::invalid_request);
}

TEST(AuthPolicy, AdminImpliesEveryScope) {
    EXPECT_TRUE(allows(scope_admin, need::inference));
    EXPECT_TRUE(allows(scope_admin, need::models));
    EXPECT_TRUE(allows(scope_admin, need::admin));
    EXPECT_TRUE(allows(scope_inference, need::inference));
    EXPECT_FALSE(allows(scope_inference, need::models));
    EXPECT_FALSE(allows(scope_models, need::inference));
    EXPECT_FALSE(allows(scope_inference | scope_models, need::admin));
}

TEST(AuthPolicy, ScopesParseAndPrint) {
    auto s = parse_scopes("inference, models");
    ASSERT_TRUE(s);
    EXPECT_EQ(*s, scope_inference | scope_models);
    EXPECT_EQ(scopes_text(*s), "inference,models");
    EXPECT_FALSE(parse_scopes("inference,root"));
    EXPECT_FALSE(parse_scopes(""));
    EXPECT_FALSE(parse_scopes(" , "));
}

TEST(AuthCrypto, PasswordHashIsArgon2idAndVerifies) {
    auto h = hash_password("correct horse");
    ASSERT_TRUE(h) << h.err().message;
    EXPECT_EQ(h->rfind("$argon2id$", 0), 0u) << *h;
    EXPECT_TRUE(verify_password(*h, "correct horse"));
    EXPECT_FALSE(verify_password(*h, "correct horse "));
    EXPECT_FALSE(verify_password("", "correct horse"));
    EXPECT_FALSE(verify_password("$argon2id$garbage", "correct horse"));
    auto again = hash_password("correct horse");
    ASSERT_TRUE(again);
    EXPECT_NE(*again, *h);  // salted
}

TEST(AuthCrypto, PasswordLengthIsBounded) {
    EXPECT_FALSE(hash_password("short"));
    EXPECT_FALSE(hash_password(std::string(max_password_bytes + 1, 'x')));
}

TEST(AuthCrypto, SecretsAreRandomAndHashedStably) {
    std::string a = new_secret("lk-"), b = new_secret("lk-");
    EXPECT_EQ(a.size(), 3u + 43u);
    EXPECT_EQ(a.rfind("lk-", 0), 0u);
    EXPECT_NE(a, b);
    EXPECT_EQ(a.find_first_not_of("lk-ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_"), std::string::npos);
    // SHA-256 of "abc", the FIPS 180-2 test vector.
    EXPECT_EQ(secret_hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_TRUE(equal_ct("same", "same"));
    EXPECT_FALSE(equal_ct("same", "sane"));
    EXPECT_FALSE(equal_ct("same", "same!"));
}

TEST(AuthGate, CredentialsComeFromHeadersOnly) {
    http::request r;
    r.headers = {{"authorization", "bearer  lk-abc "}};
    EXPECT_EQ(credential_of(r).secret, "lk-abc");
    r.headers = {{"X-Api-Key", "lk-def"}};
    EXPECT_EQ(credential_of(r).secret, "lk-def");
    EXPECT_FALSE(credential_of(r).from_cookie);
    r.headers = {{"Cookie", "a=1; lokal_session=lks-xyz; b=2"}};
    EXPECT_EQ(credential_of(r).secret, "lks-xyz");
    EXPECT_TRUE(credential_of(r).from_cookie);
    r.headers = {{"Authorization", "Basic Zm9vOmJhcg=="}};
    EXPECT_EQ(credential_of(r).secret, "");
    r.headers.clear();
    r.query = {{"key", "lk-abc"}, {"api_key", "lk-abc"}};
    EXPECT_EQ(credential_of(r).secret, "");
}

TEST(AuthGate, RefusalsSpeakTheRoutesDialect) {
    auto native = refusal("/api/chat", 401, "unauthorized");
    EXPECT_EQ(native.status, 401);
    EXPECT_EQ(native.body, R"({"error":"unauthorized"})");
    bool has_challenge = false;
    for (const auto & [k, v] : native.headers) has_challenge |= k == "WWW-Authenticate" && v.rfind("Bearer", 0) == 0;
    EXPECT_TRUE(has_challenge);
    auto openai = json::parse(refusal("/v1/chat/completions", 401, "unauthorized").body);
    EXPECT_EQ(openai["error"]["type"], "authentication_error");
    auto anthropic = json::parse(refusal("/v1/messages", 403, "forbidden").body);
    EXPECT_EQ(anthropic["type"], "error");
    EXPECT_EQ(anthropic["error"]["type"], "permission_error");
}
