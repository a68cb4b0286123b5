// Sealed chats: the field envelope, and the store's operations that need
// every chat of a user decrypted (listing and searching them, sealing the
// plaintext ones at sign-in).
#include "chats/sealed.h"

#include "chats/chats.h"

#include <algorithm>
#include <cctype>
#include <map>

namespace lokal::chats {

namespace sealing {

error locked() { return make_error(errc::forbidden, locked_message); }

std::string chat_ad(int64_t chat_id, const char * field) {
    return "lokal/chat/" + std::to_string(chat_id) + "/" + field;
}

std::string message_ad(int64_t chat_id, int64_t message_id, const char * field) {
    return "lokal/chat/" + std::to_string(chat_id) + "/message/" + std::to_string(message_id) + "/" + field;
}

result<std::string> open_field(const vault::key & k, const std::string & stored, const std::string & ad) {
    auto plain = vault::open(k, stored, ad);
    if (!plain) return make_error(errc::internal, ad + ": " + plain.err().message);
    return plain;
}

bool contains_ci(std::string_view text, std::string_view q) {
    auto lower = [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); };
    auto it = std::search(text.begin(), text.end(), q.begin(), q.end(),
                          [&](char a, char b) { return lower(a) == lower(b); });
    return it != text.end() || q.empty();
}

}  // namespace sealing

result<bool> store::matches_locked(const owner & user, const chat_summary & c, const std::string & q) {
    if (sealing::contains_ci(c.title, q)) return true;
    auto k = owned_locked(user, c.id);
    if (!k) return k.err();
    auto s = db_->prepare("SELECT id, content FROM messages WHERE chat_id = ?");
    if (!s) return s.err();
    s->bind(1, c.id);
    for (;;) {
        auto r = s->step();
        if (!r) return r.err();
        if (!*r) return false;
        std::string content = s->get_text(1);
        if (*k) {
            auto plain = sealing::open_field(**k, content, sealing::message_ad(c.id, s->get_int(0), "content"));
            if (!plain) return plain.err();
            content = std::move(plain.value());
        }
        if (sealing::contains_ci(content, q)) return true;
    }
}

// A user with a key: every chat is read and decrypted, then filtered and
// paged here (SQL cannot look into sealed values). Hundreds of chats cost
// milliseconds; the order is the SQL path's.
result<chat_list> store::list_sealed_locked(const owner & user, const list_query & q) {
    auto ids = chat_ids_locked(user.id, " ORDER BY pinned DESC, updated_at DESC, id DESC");
    if (!ids) return ids.err();
    chat_list out;
    for (int64_t id : *ids) {
        auto c = summary_locked(user, id);
        if (!c) return c.err();
        if (!q.folder.empty() && c->folder != q.folder) continue;
        if (!q.q.empty()) {
            auto hit = matches_locked(user, *c, q.q);
            if (!hit) return hit.err();
            if (!*hit) continue;
        }
        if (out.total >= q.offset && out.total < int64_t{q.offset} + q.limit) out.chats.push_back(std::move(c.value()));
        ++out.total;
    }
    return out;
}

// The folder names are sealed: counted here, ordered as SQLite's
// COLLATE NOCASE (ASCII case folded), ties bytewise.
result<std::vector<folder_count>> store::folders_sealed_locked(const owner & user) {
    auto ids = chat_ids_locked(user.id, "");
    if (!ids) return ids.err();
    std::map<std::string, int64_t> counts;
    for (int64_t id : *ids) {
        auto c = summary_locked(user, id);
        if (!c) return c.err();
        if (!c->folder.empty()) ++counts[c->folder];
    }
    std::vector<folder_count> out;
    for (auto & [name, n] : counts) out.push_back(folder_count{name, n});
    auto folded = [](const std::string & s) {
        std::string f = s;
        for (char & ch : f) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        return f;
    };
    std::stable_sort(out.begin(), out.end(), [&](const folder_count & a, const folder_count & b) {
        return folded(a.name) < folded(b.name);
    });
    return out;
}

result<int64_t> store::seal_existing(const owner & user) {
    std::lock_guard lock(mu_);
    if (!db_) return make_error(errc::unavailable, "chat database is not open");
    if (!user.key) return make_error(errc::internal, "sealing chats needs the user's key");
    std::vector<int64_t> ids;
    {
        auto tx = db::transaction::begin(*db_);
        if (!tx) return tx.err();
        auto plain = chat_ids_locked(user.id, " AND sealed = 0 ORDER BY id");
        if (!plain) return plain.err();
        ids = std::move(plain.value());
        for (int64_t id : ids) {
            auto c = get_locked(user, id);
            if (!c) return c.err();
            if (auto st = write_chat_locked(id, *c, user.key.get(), c->meta.updated_at); !st) return st.err();
            for (const auto & m : c->messages) {
                if (auto st = write_message_locked(id, m, user.key.get()); !st) return st.err();
            }
        }
        if (auto st = tx->commit(); !st) return st.err();
    }
    // The plaintext was overwritten in place (secure_delete zeroes what is
    // freed); the old versions still sit in the WAL until it is checkpointed
    // and cut. Best effort: a reader holding the WAL open only delays it.
    if (!ids.empty()) (void)db_->exec("PRAGMA wal_checkpoint(TRUNCATE)");
    return static_cast<int64_t>(ids.size());
}

}  // namespace lokal::chats
