// Accounts, keys and sessions on a real SQLite file, and the gate over them.
#include "auth/accounts.h"
#include "auth/gate.h"

#include "temp_dir.h"

#include <gtest/gtest.h>

using namespace lokal;
using namespace lokal::auth;

namespace {

class AccountsTest : public ::testing::Test {
protected:
    void SetUp() override {
        acc = std::make_unique<accounts>(tmp.path() + "/data/lokal.db");  // the folder is created
        ASSERT_TRUE(acc->open());
        ASSERT_TRUE(acc->add_user("root", "root-password", "admin"));
        ASSERT_TRUE(acc->add_user("bob", "bob-password", "user"));
    }

    std::string key(const std::string & user, scope_set scopes) {
        auto k = acc->create_key(user, "test", scopes);
        EXPECT_TRUE(k) << k.err().message;
        return k ? k->secret : "";
    }

    test::temp_dir tmp{"lokal-auth"};
    std::unique_ptr<accounts> acc;
};

http::request request_with_key(const std::string & method, const std::string & path, const std::string & k) {
    http::request r;
    r.method = method;
    r.path = path;
    if (!k.empty()) r.headers = {{"Authorization", "Bearer " + k}};
    return r;
}

}  // namespace

TEST_F(AccountsTest, UsersAreValidatedAndUnique) {
    EXPECT_EQ(acc->add_user("root", "another-password", "user").err().code, errc::conflict);
    EXPECT_EQ(acc->add_user("local", "another-password", "user").err().code, errc::invalid_request);
    EXPECT_EQ(acc->add_user("a b", "another-password", "user").err().code, errc::invalid_request);
    EXPECT_EQ(acc->add_user("carol", "another-password", "owner").err().code, errc::invalid_request);
    auto users = acc->list_users();
    ASSERT_TRUE(users);
    ASSERT_EQ(users->size(), 2u);  // the implicit local user is not an account
    EXPECT_EQ((*users)[0].name, "bob");
    EXPECT_EQ(*acc->admin_count(), 1);
}

TEST_F(AccountsTest, KeysAuthenticateUntilRevoked) {
    auto k = acc->create_key("bob", "laptop", scope_inference);
    ASSERT_TRUE(k);
    auto p = acc->authenticate_key(k->secret);
    ASSERT_TRUE(p) << p.err().message;
    EXPECT_EQ(p->name, "bob");
    EXPECT_EQ(p->scopes, scope_inference);
    EXPECT_EQ(acc->authenticate_key(k->secret + "x").err().code, errc::unauthorized);
    EXPECT_EQ(acc->authenticate_key("").err().code, errc::unauthorized);
    auto keys = acc->list_keys(std::string("bob"));
    ASSERT_TRUE(keys);
    ASSERT_EQ(keys->size(), 1u);
    EXPECT_TRUE((*keys)[0].last_used_at.has_value());
    EXPECT_EQ((*keys)[0].prefix, k->secret.substr(0, 10));
    ASSERT_TRUE(acc->revoke_key(k->info.id, std::nullopt));
    EXPECT_EQ(acc->authenticate_key(k->secret).err().code, errc::unauthorized);
    EXPECT_EQ(acc->revoke_key(9999, std::nullopt).err().code, errc::not_found);
    EXPECT_EQ(acc->revoke_key(k->info.id, std::string("root")).err().code, errc::not_found);  // not root's key
}

TEST_F(AccountsTest, OnlyAdminsHoldAdminKeys) {
    EXPECT_EQ(acc->create_key("bob", "", scope_admin).err().code, errc::forbidden);
    EXPECT_TRUE(acc->create_key("root", "", scope_admin));
    EXPECT_EQ(acc->create_key("nobody", "", scope_inference).err().code, errc::not_found);
}

TEST_F(AccountsTest, RemovingAUserEndsTheirKeysButNeverTheLastAdmin) {
    std::string k = key("bob", scope_inference);
    ASSERT_TRUE(acc->remove_user("bob"));
    EXPECT_EQ(acc->authenticate_key(k).err().code, errc::unauthorized);
    EXPECT_EQ(acc->remove_user("root").err().code, errc::conflict);
    EXPECT_EQ(acc->remove_user("bob").err().code, errc::not_found);
}

TEST_F(AccountsTest, SessionsNeedTheRightPasswordAndEndOnPasswordChange) {
    EXPECT_EQ(acc->login("bob", "wrong-password", 60'000).err().code, errc::unauthorized);
    EXPECT_EQ(acc->login("nobody", "bob-password", 60'000).err().code, errc::unauthorized);
    auto s = acc->login("bob", "bob-password", 60'000);
    ASSERT_TRUE(s) << s.err().message;
    auto p = acc->authenticate_session(*s);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->name, "bob");
    EXPECT_EQ(p->scopes, scope_inference);
    ASSERT_TRUE(acc->set_password("bob", "new-bob-password"));
    EXPECT_FALSE(acc->authenticate_session(*s));
    EXPECT_TRUE(acc->login("bob", "new-bob-password", 60'000));
    auto expired = acc->login("bob", "new-bob-password", -1);
    ASSERT_TRUE(expired);
    EXPECT_FALSE(acc->authenticate_session(*expired));
}

TEST_F(AccountsTest, GateAdmitsByScopeAndNamesThePrincipal) {
    gate g(*acc, gate_options{true, nullptr});
    const std::string inference = key("bob", scope_inference), admin = key("root", scope_admin);
    auto open = g.admit(request_with_key("GET", "/api/version", ""), "/api/version");
    EXPECT_TRUE(open.allowed);
    EXPECT_EQ(open.principal, "");
    auto none = g.admit(request_with_key("POST", "/api/chat", ""), "/api/chat");
    EXPECT_FALSE(none.allowed);
    EXPECT_EQ(none.refusal.status, 401);
    auto ok = g.admit(request_with_key("POST", "/api/chat", inference), "/api/chat");
    EXPECT_TRUE(ok.allowed);
    EXPECT_EQ(ok.principal, "bob");
    auto lacking = g.admit(request_with_key("POST", "/api/pull", inference), "/api/pull");
    EXPECT_FALSE(lacking.allowed);
    EXPECT_EQ(lacking.refusal.status, 403);
    EXPECT_TRUE(g.admit(request_with_key("POST", "/api/pull", admin), "/api/pull").allowed);
    // No route matched: a credential is still needed to learn that.
    EXPECT_EQ(g.admit(request_with_key("GET", "/nope", ""), "").refusal.status, 401);
    EXPECT_TRUE(g.admit(request_with_key("GET", "/nope", inference), "").allowed);
}

TEST_F(AccountsTest, GateOffAdmitsEveryone) {
    gate g(*acc, gate_options{false, nullptr});
    auto a = g.admit(request_with_key("POST", "/lokal/api/users", ""), "/lokal/api/users");
    EXPECT_TRUE(a.allowed);
    EXPECT_EQ(a.principal, "");
}

TEST_F(AccountsTest, SessionCookiesNeedTheCsrfTokenToChangeState) {
    gate g(*acc, gate_options{true, nullptr});
    auto s = acc->login("bob", "bob-password", 60'000);
    ASSERT_TRUE(s);
    http::request r;
    r.method = "GET";
    r.path = "/api/tags";
    r.headers = {{"Cookie", std::string(session_cookie) + "=" + *s}};
    EXPECT_TRUE(g.admit(r, "/api/tags").allowed);
    r.method = "POST";
    r.path = "/api/chat";
    auto refused = g.admit(r, "/api/chat");
    EXPECT_FALSE(refused.allowed);
    EXPECT_EQ(refused.refusal.status, 403);
    r.headers.emplace_back(csrf_header, csrf_token(*s));
    EXPECT_TRUE(g.admit(r, "/api/chat").allowed);
}
