// The chat store and its wire format, on a real SQLite file in a temp dir.
#include "chats/chats.h"
#include "chats/wire.h"

#include "temp_dir.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

using namespace lokal;
using namespace lokal::chats;
namespace fs = std::filesystem;

namespace {

class ChatsTest : public ::testing::Test {
protected:
    void SetUp() override {
        root = tmp.path();
        st = std::make_unique<store>(root + "/data/lokal.db");  // the folder is created
        ASSERT_TRUE(st->open());
    }
    int64_t new_chat(const std::string & title, int64_t user = local_user_id) {
        chat c;
        c.meta.title = title;
        auto made = st->create(user, c);
        EXPECT_TRUE(made) << made.err().message;
        return made ? made->id : 0;
    }
    static message msg(const std::string & role, const std::string & content,
                       std::optional<int64_t> parent = std::nullopt) {
        message m;
        m.role = role;
        m.content = content;
        m.parent_id = parent;
        return m;
    }

    lokal::test::temp_dir tmp{"lokal-chats"};
    std::string root;
    std::unique_ptr<store> st;
};

TEST_F(ChatsTest, CreateGetUpdateDelete) {
    int64_t id = new_chat("first");
    auto c = st->get(local_user_id, id);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->meta.title, "first");
    EXPECT_TRUE(c->messages.empty());

    chat_patch p;
    p.title = "renamed";
    p.pinned = true;
    p.folder = "work";
    p.settings = json{{"system", "be brief"}, {"model", "m"}};
    auto u = st->update(local_user_id, id, p);
    ASSERT_TRUE(u);
    EXPECT_EQ(u->title, "renamed");
    EXPECT_TRUE(u->pinned);
    EXPECT_EQ(u->folder, "work");
    EXPECT_EQ(st->get(local_user_id, id)->settings["system"], "be brief");

    ASSERT_TRUE(st->remove(local_user_id, id));
    EXPECT_EQ(st->get(local_user_id, id).err().code, errc::not_found);
    EXPECT_EQ(st->remove(local_user_id, id).err().code, errc::not_found);
}

TEST_F(ChatsTest, MessagesFormATreeWithBranches) {
    int64_t id = new_chat("tree");
    auto first = st->add_messages(local_user_id, id, {msg("user", "q"), msg("assistant", "a1")});
    ASSERT_TRUE(first);
    ASSERT_EQ(first->size(), 2u);
    EXPECT_FALSE((*first)[0].parent_id);
    EXPECT_EQ(*(*first)[1].parent_id, (*first)[0].id);  // chained within the batch

    // Regenerate: a sibling answer under the same question.
    auto regen = st->add_messages(local_user_id, id, {msg("assistant", "a2", (*first)[0].id)});
    ASSERT_TRUE(regen);
    auto c = st->get(local_user_id, id);
    EXPECT_EQ(c->messages.size(), 3u);
    EXPECT_EQ(*c->current_message_id, (*regen)[0].id);
    auto path = branch(*c, c->current_message_id);
    ASSERT_EQ(path.size(), 2u);
    EXPECT_EQ(path[1]->content, "a2");

    // Switch back to the first branch.
    chat_patch p;
    p.current_message_id = (*first)[1].id;
    ASSERT_TRUE(st->update(local_user_id, id, p));
    c = st->get(local_user_id, id);
    EXPECT_EQ(branch(*c, c->current_message_id)[1]->content, "a1");
    EXPECT_NE(to_markdown(*c).find("a1"), std::string::npos);
    EXPECT_EQ(to_markdown(*c).find("a2"), std::string::npos);
}

TEST_F(ChatsTest, RejectsParentsOfOtherChatsAndBadFields) {
    int64_t a = new_chat("a");
    int64_t b = new_chat("b");
    auto m = st->add_messages(local_user_id, a, {msg("user", "x")});
    ASSERT_TRUE(m);
    auto cross = st->add_messages(local_user_id, b, {msg("assistant", "y", (*m)[0].id)});
    ASSERT_FALSE(cross);
    EXPECT_EQ(cross.err().code, errc::invalid_request);
    EXPECT_EQ(st->add_messages(local_user_id, a, {msg("wizard", "x")}).err().code, errc::invalid_request);
    EXPECT_EQ(st->add_messages(local_user_id, a, {}).err().code, errc::invalid_request);
    // A failed batch stores nothing.
    auto partial = st->add_messages(local_user_id, a, {msg("user", "ok"), msg("bogus", "no")});
    ASSERT_FALSE(partial);
    EXPECT_EQ(st->get(local_user_id, a)->messages.size(), 1u);

    chat_patch p;
    p.current_message_id = (*m)[0].id;
    EXPECT_EQ(st->update(local_user_id, b, p).err().code, errc::invalid_request);
    p = {};
    p.title = std::string(max_title_bytes + 1, 'x');
    EXPECT_EQ(st->update(local_user_id, a, p).err().code, errc::invalid_request);
}

TEST_F(ChatsTest, UpdatesAStreamingMessage) {
    int64_t id = new_chat("s");
    message m = msg("assistant", "");
    m.status = "streaming";
    auto added = st->add_messages(local_user_id, id, {m});
    ASSERT_TRUE(added);
    message_patch p;
    p.content = "partial";
    auto u = st->update_message(local_user_id, id, (*added)[0].id, p);
    ASSERT_TRUE(u);
    p = {};
    p.status = "done";
    p.stats = json{{"eval_count", 5}};
    u = st->update_message(local_user_id, id, (*added)[0].id, p);
    ASSERT_TRUE(u);
    EXPECT_EQ(u->content, "partial");
    EXPECT_EQ(u->status, "done");
    EXPECT_EQ(u->stats["eval_count"], 5);
    p = {};
    p.status = "weird";
    EXPECT_EQ(st->update_message(local_user_id, id, (*added)[0].id, p).err().code, errc::invalid_request);
    EXPECT_EQ(st->update_message(local_user_id, id, 9999, p).err().code, errc::not_found);
}

TEST_F(ChatsTest, SearchesTitlesAndContentLiterallyWithPages) {
    for (int i = 0; i < 7; ++i) new_chat("chat " + std::to_string(i));
    int64_t special = new_chat("100% sure");
    int64_t body = new_chat("other");
    ASSERT_TRUE(st->add_messages(local_user_id, body, {msg("user", "the Zebra_crossing")}));

    list_query q;
    q.q = "%";
    auto r = st->list(local_user_id, q);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->total, 1);  // '%' is literal, not a wildcard
    EXPECT_EQ(r->chats[0].id, special);
    q.q = "zebra_";
    r = st->list(local_user_id, q);
    ASSERT_EQ(r->total, 1);
    EXPECT_EQ(r->chats[0].id, body);

    q = {};
    q.limit = 4;
    r = st->list(local_user_id, q);
    EXPECT_EQ(r->total, 9);
    EXPECT_EQ(r->chats.size(), 4u);
    EXPECT_EQ(r->chats[0].id, body);  // most recently active first
    q.offset = 8;
    EXPECT_EQ(st->list(local_user_id, q)->chats.size(), 1u);
    q.limit = 0;
    EXPECT_EQ(st->list(local_user_id, q).err().code, errc::invalid_request);
}

TEST_F(ChatsTest, PinnedChatsComeFirst) {
    int64_t old = new_chat("old");
    new_chat("new");
    chat_patch p;
    p.pinned = true;
    ASSERT_TRUE(st->update(local_user_id, old, p));
    EXPECT_EQ(st->list(local_user_id, {})->chats[0].id, old);
}

TEST_F(ChatsTest, UsersSeeOnlyTheirOwnChats) {
    {
        auto c = db::connection::open(root + "/data/lokal.db");
        ASSERT_TRUE(c);
        ASSERT_TRUE(c->exec("INSERT INTO users(id, name, created_at) VALUES (2, 'other', 0)"));
    }
    int64_t mine = new_chat("mine");
    int64_t theirs = new_chat("theirs", 2);
    EXPECT_EQ(st->list(local_user_id, {})->total, 1);
    EXPECT_EQ(st->get(local_user_id, theirs).err().code, errc::not_found);
    EXPECT_EQ(st->remove(local_user_id, theirs).err().code, errc::not_found);
    EXPECT_EQ(st->add_messages(local_user_id, theirs, {msg("user", "x")}).err().code, errc::not_found);
    EXPECT_EQ(st->export_all(2)->size(), 1u);
    EXPECT_TRUE(st->get(local_user_id, mine));
}

TEST_F(ChatsTest, FoldersAreDistinctCountedSortedAndPerUser) {
    {
        auto c = db::connection::open(root + "/data/lokal.db");
        ASSERT_TRUE(c);
        ASSERT_TRUE(c->exec("INSERT INTO users(id, name, created_at) VALUES (2, 'other', 0)"));
    }
    auto in_folder = [&](const std::string & folder, int64_t user) {
        chat_patch p;
        p.folder = folder;
        ASSERT_TRUE(st->update(user, new_chat("t", user), p));
    };
    for (const char * f : {"work", "Zoo", "apple", "work", "", "Apple"}) in_folder(f, local_user_id);
    in_folder("secret", 2);
    in_folder("work", 2);
    auto f = st->folders(local_user_id);
    ASSERT_TRUE(f);
    std::vector<std::pair<std::string, int64_t>> got;
    for (const auto & x : *f) got.emplace_back(x.name, x.chats);
    // Case-insensitive order, ties bytewise; no entry for "no folder"; only this user's.
    EXPECT_EQ(got, (std::vector<std::pair<std::string, int64_t>>{{"Apple", 1}, {"apple", 1}, {"work", 2}, {"Zoo", 1}}));
    EXPECT_EQ(st->folders(2)->size(), 2u);
    EXPECT_TRUE(st->folders(3)->empty());
}

TEST_F(ChatsTest, ExportImportRoundTripIsLossless) {
    int64_t id = new_chat("round trip");
    chat_patch p;
    p.settings = json{{"system", "s"}, {"options", {{"temperature", 0.5}}}};
    p.pinned = true;
    ASSERT_TRUE(st->update(local_user_id, id, p));
    auto a = st->add_messages(local_user_id, id, {msg("user", "q"), msg("assistant", "a")});
    message alt = msg("assistant", "b", (*a)[0].id);
    alt.thinking = "hmm";
    alt.attachments = json::array({json{{"type", "image"}, {"data", "aGk="}}});
    alt.stats = json{{"eval_count", 2}};
    ASSERT_TRUE(st->add_messages(local_user_id, id, {alt}));

    json doc = export_document(*st->export_all(local_user_id));
    auto parsed = import_document(json::parse(doc.dump()));
    ASSERT_TRUE(parsed) << parsed.err().message;
    auto ids = st->import(local_user_id, *parsed);
    ASSERT_TRUE(ids);
    ASSERT_EQ(ids->size(), 1u);
    EXPECT_NE((*ids)[0], id);

    // Everything but the ids is the same; the links follow the new ids.
    json before = to_json(*st->get(local_user_id, id));
    json after = to_json(*st->get(local_user_id, (*ids)[0]));
    auto strip = [](json j) {
        std::map<int64_t, int64_t> index;
        for (size_t i = 0; i < j["messages"].size(); ++i) index[j["messages"][i]["id"].get<int64_t>()] = int64_t(i);
        for (auto & m : j["messages"]) {
            m.erase("id");
            if (!m["parent_id"].is_null()) m["parent_id"] = index[m["parent_id"].get<int64_t>()];
        }
        j["current_message_id"] = index[j["current_message_id"].get<int64_t>()];
        j.erase("id");
        return j;
    };
    EXPECT_EQ(strip(before).dump(), strip(after).dump());
}

TEST_F(ChatsTest, ImportIsAllOrNothingAndChecksLinks) {
    json bad_parent = json::parse(R"({"lokal_chats":1,"chats":[
        {"title":"ok","messages":[{"id":1,"role":"user","content":"x"}]},
        {"title":"bad","messages":[{"id":5,"parent_id":6,"role":"user"},{"id":6,"role":"user"}]}]})");
    auto doc = import_document(bad_parent);
    ASSERT_TRUE(doc);
    auto r = st->import(local_user_id, *doc);
    ASSERT_FALSE(r);
    EXPECT_NE(r.err().message.find("chat 1"), std::string::npos);
    EXPECT_EQ(st->list(local_user_id, {})->total, 0);  // the good chat was rolled back too

    EXPECT_FALSE(import_document(json::parse(R"({"chats":[]})")));
    EXPECT_FALSE(import_document(json::parse(R"({"lokal_chats":2,"chats":[]})")));
    EXPECT_FALSE(import_document(json::parse(R"({"lokal_chats":1,"chats":[{"title":5}]})")));
    EXPECT_FALSE(import_document(json::parse(R"({"lokal_chats":1,"chats":[{"messages":[{"content":"x"}]}]})")));
    auto dup = import_document(json::parse(
        R"({"lokal_chats":1,"chats":[{"messages":[{"id":1,"role":"user"},{"id":1,"role":"user"}]}]})"));
    ASSERT_TRUE(dup);
    EXPECT_FALSE(st->import(local_user_id, *dup));
}

TEST_F(ChatsTest, ReopeningKeepsData) {
    int64_t id = new_chat("kept");
    st.reset();
    st = std::make_unique<store>(root + "/data/lokal.db");
    ASSERT_TRUE(st->open());
    EXPECT_EQ(st->get(local_user_id, id)->meta.title, "kept");
}

TEST(ChatsWire, MarkdownShowsSystemThinkingAndModel) {
    chat c;
    c.meta.title = "T";
    c.settings = json{{"system", "sys"}};
    message u;
    u.id = 1;
    u.role = "user";
    u.content = "hello";
    message a;
    a.id = 2;
    a.parent_id = 1;
    a.role = "assistant";
    a.model = "gemma";
    a.thinking = "pondering";
    a.content = "world";
    c.messages = {u, a};
    c.current_message_id = 2;
    std::string md = to_markdown(c);
    EXPECT_EQ(md, "# T\n\n**System:** sys\n\n## User\n\nhello\n\n## Assistant (gemma)\n\n"
                  "<details><summary>Thinking</summary>\n\npondering\n\n</details>\n\nworld\n\n");
}

}  // namespace
