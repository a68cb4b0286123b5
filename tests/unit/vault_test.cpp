// The encryption envelope (vault/): sealing round trips, and anything but
// the right key, the right associated data and the unchanged bytes fails.
// Then sealed chats in a real SQLite file, and the chat key behind a password.
#include "auth/accounts.h"
#include "chats/chats.h"
#include "vault/keyring.h"
#include "vault/vault.h"

#include "temp_dir.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

using namespace lokal;

namespace {

std::string file_bytes(const std::string & path) {
    std::ifstream f(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), {});
}

TEST(Vault, SealOpensWithTheSameKeyAndAssociatedData) {
    auto k = vault::key::random();
    const std::string plain = std::string("private words \xc3\xa4\0 with a NUL", 26);
    std::string sealed = vault::seal(*k, plain, "chat/1/title");
    EXPECT_EQ(sealed.find("private"), std::string::npos);
    auto back = vault::open(*k, sealed, "chat/1/title");
    ASSERT_TRUE(back) << back.err().message;
    EXPECT_EQ(*back, plain);
    // A fresh nonce each time: the same text seals differently.
    EXPECT_NE(vault::seal(*k, plain, "chat/1/title"), sealed);
    auto empty = vault::open(*k, vault::seal(*k, "", "x"), "x");
    ASSERT_TRUE(empty);
    EXPECT_EQ(*empty, "");
}

TEST(Vault, WrongKeyFails) {
    auto k = vault::key::random();
    auto other = vault::key::random();
    std::string sealed = vault::seal(*k, "secret", "ad");
    EXPECT_FALSE(vault::open(*other, sealed, "ad"));
}

TEST(Vault, OtherAssociatedDataFails) {
    auto k = vault::key::random();
    std::string sealed = vault::seal(*k, "secret", "lokal/chat/1/title");
    EXPECT_FALSE(vault::open(*k, sealed, "lokal/chat/2/title"));
    EXPECT_FALSE(vault::open(*k, sealed, "lokal/chat/1/folder"));
}

TEST(Vault, AnyChangedByteFails) {
    auto k = vault::key::random();
    const std::string sealed = vault::seal(*k, "secret text", "ad");
    for (size_t i = 0; i < sealed.size(); ++i) {
        std::string t = sealed;
        t[i] = t[i] == 'A' ? 'B' : 'A';
        EXPECT_FALSE(vault::open(*k, t, "ad")) << "changed byte " << i;
    }
    EXPECT_FALSE(vault::open(*k, sealed.substr(0, sealed.size() - 1), "ad"));
    EXPECT_FALSE(vault::open(*k, "", "ad"));
    EXPECT_FALSE(vault::open(*k, "not base64 !!", "ad"));
}

TEST(Vault, WrappedKeyOpensOnlyWithThePassword) {
    auto dek = vault::key::random();
    const std::string salt = vault::new_salt();
    auto kek = vault::derive("correct horse", salt);
    ASSERT_TRUE(kek);
    const std::string wrapped = vault::wrap(**kek, *dek, "user/7");
    auto again = vault::derive("correct horse", salt);
    ASSERT_TRUE(again);
    auto back = vault::unwrap(**again, wrapped, "user/7");
    ASSERT_TRUE(back);
    EXPECT_EQ(std::string_view(reinterpret_cast<const char *>((*back)->data()), vault::key_bytes),
              std::string_view(reinterpret_cast<const char *>(dek->data()), vault::key_bytes));
    auto wrong = vault::derive("wrong horse", salt);
    ASSERT_TRUE(wrong);
    EXPECT_FALSE(vault::unwrap(**wrong, wrapped, "user/7"));
    EXPECT_FALSE(vault::unwrap(**again, wrapped, "user/8"));
    auto other_salt = vault::derive("correct horse", vault::new_salt());
    ASSERT_TRUE(other_salt);
    EXPECT_FALSE(vault::unwrap(**other_salt, wrapped, "user/7"));
    EXPECT_FALSE(vault::derive("x", "bad salt"));
}

TEST(Keyring, HoldsKeysPerSessionUntilDroppedOrExpired) {
    vault::keyring ring;
    auto k = vault::key::random();
    const int64_t far = int64_t{1} << 60;
    ring.put("lks-a", 2, far, k);
    ring.put("lks-b", 2, far, k);
    ring.put("lks-c", 3, far, vault::key::random());
    EXPECT_EQ(ring.get("lks-a", 2), k);
    EXPECT_EQ(ring.get("lks-a", 3), nullptr);  // another user's session
    EXPECT_EQ(ring.get("lks-z", 2), nullptr);
    ring.drop("lks-a");
    EXPECT_EQ(ring.get("lks-a", 2), nullptr);
    ring.drop_user(2);
    EXPECT_EQ(ring.get("lks-b", 2), nullptr);
    EXPECT_NE(ring.get("lks-c", 3), nullptr);
    ring.put("lks-old", 3, 1, k);  // expired long ago
    EXPECT_EQ(ring.get("lks-old", 3), nullptr);
    EXPECT_EQ(ring.size(), 1u);
}

class SealedChatsTest : public ::testing::Test {
protected:
    void SetUp() override {
        path = tmp.path() + "/data/lokal.db";
        st = std::make_unique<chats::store>(path);
        ASSERT_TRUE(st->open());
        me = chats::owner{chats::local_user_id, vault::key::random()};
    }
    int64_t chat_with(const chats::owner & o, const std::string & title, const std::string & text) {
        chats::chat c;
        c.meta.title = title;
        c.meta.folder = "folder-" + title;
        c.settings = json{{"system", "system-" + title}};
        auto made = st->create(o, c);
        EXPECT_TRUE(made) << made.err().message;
        chats::message m;
        m.role = "user";
        m.content = text;
        m.thinking = "thought-" + title;
        m.attachments = json::array({json{{"name", "file-" + title}}});
        EXPECT_TRUE(st->add_messages(o, made->id, {m}));
        return made->id;
    }
    std::string raw_db() { return file_bytes(path) + file_bytes(path + "-wal"); }

    lokal::test::temp_dir tmp{"lokal-vault"};
    std::string path;
    std::unique_ptr<chats::store> st;
    chats::owner me{chats::local_user_id};
};

TEST_F(SealedChatsTest, StoredSealedReadBackWithTheKey) {
    int64_t id = chat_with(me, "Zebrafinch", "Quokkamarmalade");
    const std::string raw = raw_db();
    for (const char * word : {"Zebrafinch", "Quokkamarmalade", "thought-Z", "folder-Z", "system-Z", "file-Z"}) {
        EXPECT_EQ(raw.find(word), std::string::npos) << word;
    }
    auto c = st->get(me, id);
    ASSERT_TRUE(c) << c.err().message;
    EXPECT_EQ(c->meta.title, "Zebrafinch");
    EXPECT_EQ(c->meta.folder, "folder-Zebrafinch");
    EXPECT_EQ(c->settings["system"], "system-Zebrafinch");
    ASSERT_EQ(c->messages.size(), 1u);
    EXPECT_EQ(c->messages[0].content, "Quokkamarmalade");
    EXPECT_EQ(c->messages[0].thinking, "thought-Zebrafinch");
    EXPECT_EQ(c->messages[0].attachments[0]["name"], "file-Zebrafinch");
    // Without the key (or with another one) nothing opens.
    auto locked = st->get(chats::local_user_id, id);
    ASSERT_FALSE(locked);
    EXPECT_EQ(locked.err().code, errc::forbidden);
    EXPECT_FALSE(st->list(chats::local_user_id, {}));
    auto other = st->get(chats::owner{chats::local_user_id, vault::key::random()}, id);
    ASSERT_FALSE(other);
    EXPECT_EQ(other.err().code, errc::internal);
}

TEST_F(SealedChatsTest, SearchFoldersUpdatesAndExportWorkWhenUnlocked) {
    int64_t a = chat_with(me, "Alpha", "the Quick brown fox");
    chat_with(me, "Beta", "lazy dog");
    chats::list_query q;
    q.q = "quick";  // case-insensitive like LIKE
    auto l = st->list(me, q);
    ASSERT_TRUE(l) << l.err().message;
    ASSERT_EQ(l->total, 1);
    EXPECT_EQ(l->chats[0].id, a);
    q = {};
    q.folder = "folder-Beta";
    l = st->list(me, q);
    ASSERT_TRUE(l);
    ASSERT_EQ(l->total, 1);
    EXPECT_EQ(l->chats[0].title, "Beta");
    q = {};
    q.limit = 1;
    q.offset = 1;
    l = st->list(me, q);
    ASSERT_TRUE(l);
    EXPECT_EQ(l->total, 2);
    ASSERT_EQ(l->chats.size(), 1u);
    EXPECT_EQ(l->chats[0].title, "Alpha");  // the older one, second

    auto f = st->folders(me);  // sealed names, counted after decryption
    ASSERT_TRUE(f) << f.err().message;
    ASSERT_EQ(f->size(), 2u);
    EXPECT_EQ((*f)[0].name, "folder-Alpha");
    EXPECT_EQ((*f)[1].name, "folder-Beta");
    EXPECT_EQ((*f)[1].chats, 1);
    EXPECT_EQ(st->folders(chats::local_user_id).err().code, errc::forbidden);

    chats::chat_patch p;
    p.title = "Gamma-renamed";
    auto u = st->update(me, a, p);
    ASSERT_TRUE(u) << u.err().message;
    EXPECT_EQ(u->title, "Gamma-renamed");
    auto c = st->get(me, a);
    ASSERT_TRUE(c);
    chats::message_patch mp;
    mp.content = "edited Xylophone";
    ASSERT_TRUE(st->update_message(me, a, c->messages[0].id, mp));
    EXPECT_EQ(raw_db().find("Xylophone"), std::string::npos);
    EXPECT_EQ(raw_db().find("Gamma-renamed"), std::string::npos);

    auto all = st->export_all(me);
    ASSERT_TRUE(all);
    ASSERT_EQ(all->size(), 2u);
    auto ids = st->import(me, *all);
    ASSERT_TRUE(ids) << ids.err().message;
    auto copy = st->get(me, (*ids)[0]);
    ASSERT_TRUE(copy);
    EXPECT_EQ(copy->messages[0].content, "edited Xylophone");
}

TEST_F(SealedChatsTest, SealExistingEncryptsPlaintextChatsInPlace) {
    chats::owner plain{chats::local_user_id};
    const std::string long_text(20000, 'W');  // spills into overflow pages
    int64_t id = chat_with(plain, "Plainbird", "Plainword " + long_text);
    EXPECT_NE(raw_db().find("Plainword"), std::string::npos);
    auto n = st->seal_existing(me);
    ASSERT_TRUE(n) << n.err().message;
    EXPECT_EQ(*n, 1);
    const std::string raw = raw_db();
    EXPECT_EQ(raw.find("Plainword"), std::string::npos);
    EXPECT_EQ(raw.find("Plainbird"), std::string::npos);
    EXPECT_EQ(raw.find(long_text.substr(0, 200)), std::string::npos);
    auto c = st->get(me, id);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->messages[0].content, "Plainword " + long_text);
    EXPECT_EQ(*st->seal_existing(me), 0);  // nothing left to seal
}

TEST_F(SealedChatsTest, SwappedCiphertextsDoNotOpen) {
    int64_t a = chat_with(me, "One", "first");
    int64_t b = chat_with(me, "Two", "second");
    auto db = db::connection::open(path);
    ASSERT_TRUE(db);
    // Copy chat a's sealed title onto chat b (same user, same key).
    ASSERT_TRUE(db->exec("UPDATE chats SET title = (SELECT title FROM chats WHERE id = " + std::to_string(a) +
                         ") WHERE id = " + std::to_string(b)));
    auto c = st->get(me, b);
    ASSERT_FALSE(c);
    EXPECT_EQ(c.err().code, errc::internal);
    EXPECT_TRUE(st->get(me, a));
}

class ChatKeyTest : public ::testing::Test {
protected:
    void SetUp() override {
        acc = std::make_unique<auth::accounts>(tmp.path() + "/lokal.db");
        ASSERT_TRUE(acc->open());
        auto u = acc->add_user("bob", "bob-password", "user");
        ASSERT_TRUE(u);
        bob = u->id;
        st = std::make_unique<chats::store>(tmp.path() + "/lokal.db");
        ASSERT_TRUE(st->open());
    }
    test::temp_dir tmp{"lokal-chatkey"};
    std::unique_ptr<auth::accounts> acc;
    std::unique_ptr<chats::store> st;
    int64_t bob = 0;
};

TEST_F(ChatKeyTest, PasswordChangeKeepsTheKeyAndResetNeedsDiscard) {
    auto none = acc->unlock_chat_key(bob, "bob-password", false);
    ASSERT_TRUE(none);
    EXPECT_EQ(*none, nullptr);
    auto k = acc->unlock_chat_key(bob, "bob-password", true);
    ASSERT_TRUE(k && *k);
    chats::chat c;
    c.meta.title = "kept";
    auto made = st->create(chats::owner{bob, *k}, c);
    ASSERT_TRUE(made);

    // With the current password: re-wrapped, the chat still opens.
    auth::password_change keep{std::string("bob-password"), false};
    ASSERT_TRUE(acc->set_password("bob", "bob-new-password", keep));
    auto k2 = acc->unlock_chat_key(bob, "bob-new-password", false);
    ASSERT_TRUE(k2 && *k2) << (k2 ? "" : k2.err().message);
    EXPECT_TRUE(st->get(chats::owner{bob, *k2}, made->id));
    EXPECT_FALSE(acc->unlock_chat_key(bob, "bob-password", false));  // the old password no longer opens it
    auth::password_change wrong{std::string("not-the-password"), false};
    EXPECT_EQ(acc->set_password("bob", "x-password-3", wrong).err().code, errc::unauthorized);

    // An admin reset: refused while encrypted chats exist, unless discarded.
    auto refused = acc->set_password("bob", "reset-password");
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.err().code, errc::conflict);
    auto discarded = acc->set_password("bob", "reset-password", auth::password_change{std::nullopt, true});
    ASSERT_TRUE(discarded);
    EXPECT_EQ(*discarded, 1);
    EXPECT_EQ(st->get(chats::owner{bob, *k2}, made->id).err().code, errc::not_found);
    auto fresh = acc->unlock_chat_key(bob, "reset-password", false);
    ASSERT_TRUE(fresh);
    EXPECT_EQ(*fresh, nullptr);  // a new key is made at the next sign-in
}

}  // namespace
