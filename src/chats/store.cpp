#include "chats/chats.h"
#include "chats/schema.h"
#include "chats/sealed.h"
#include "core/clock.h"

#include <map>

namespace lokal::chats {

namespace {

error not_found(std::string_view what) { return make_error(errc::not_found, std::string(what) + " not found"); }

// Makes a LIKE pattern that matches text literally anywhere.
std::string like_pattern(std::string_view text) {
    std::string out = "%";
    for (char c : text) {
        if (c == '%' || c == '_' || c == '\\') out += '\\';
        out += c;
    }
    return out + "%";
}

json parse_stored(const std::string & text, json fallback) {
    json j = json::parse(text, nullptr, false);
    return j.is_discarded() ? fallback : j;
}

std::string dump(const json & j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

constexpr const char * summary_cols = "id, title, pinned, folder, created_at, updated_at, sealed";

chat_summary read_summary(const db::statement & s) {
    return chat_summary{s.get_int(0), s.get_text(1), s.get_int(2) != 0, s.get_text(3), s.get_int(4), s.get_int(5)};
}

// Opens a sealed chat's title and folder (and settings when given) in place.
status open_chat_fields(const vault::key & k, chat_summary & c, std::string * settings) {
    auto title = sealing::open_field(k, c.title, sealing::chat_ad(c.id, "title"));
    if (!title) return title.err();
    auto folder = sealing::open_field(k, c.folder, sealing::chat_ad(c.id, "folder"));
    if (!folder) return folder.err();
    c.title = std::move(title.value());
    c.folder = std::move(folder.value());
    if (!settings) return {};
    auto st = sealing::open_field(k, *settings, sealing::chat_ad(c.id, "settings"));
    if (!st) return st.err();
    *settings = std::move(st.value());
    return {};
}

constexpr const char * message_cols =
    "id, parent_id, role, content, thinking, model, status, attachments, stats, created_at, updated_at";

// A message row; k: the chat's key when it is sealed.
result<message> read_message(const db::statement & s, int64_t chat_id, const vault::key * k) {
    message m;
    m.id = s.get_int(0);
    m.parent_id = s.get_optional_int(1);
    m.role = s.get_text(2);
    m.content = s.get_text(3);
    m.thinking = s.get_text(4);
    m.model = s.get_text(5);
    m.status = s.get_text(6);
    std::string attachments = s.get_text(7);
    if (k) {
        for (auto [field, value] : {std::pair{"content", &m.content}, {"thinking", &m.thinking},
                                    {"attachments", &attachments}}) {
            auto plain = sealing::open_field(*k, *value, sealing::message_ad(chat_id, m.id, field));
            if (!plain) return plain.err();
            *value = std::move(plain.value());
        }
    }
    m.attachments = parse_stored(attachments, json::array());
    m.stats = parse_stored(s.get_text(8), json::object());
    m.created_at = s.get_int(9);
    m.updated_at = s.get_int(10);
    return m;
}

status validate_meta(const std::string & title, const std::string & folder) {
    if (title.size() > max_title_bytes) return make_error(errc::invalid_request, "title too long");
    if (folder.size() > max_folder_bytes) return make_error(errc::invalid_request, "folder name too long");
    return {};
}

}  // namespace

status validate(const message & m) {
    if (m.role != "system" && m.role != "user" && m.role != "assistant" && m.role != "tool") {
        return make_error(errc::invalid_request, "invalid role \"" + m.role + "\"");
    }
    if (m.status != "done" && m.status != "streaming" && m.status != "stopped" && m.status != "error") {
        return make_error(errc::invalid_request, "invalid status \"" + m.status + "\"");
    }
    if (!m.attachments.is_array()) return make_error(errc::invalid_request, "attachments must be an array");
    if (!m.stats.is_object()) return make_error(errc::invalid_request, "stats must be an object");
    return {};
}

status store::open() {
    std::lock_guard lock(mu_);
    auto c = db::connection::open_migrated(path_, migrations());
    if (!c) return c.err();
    // Deleted and overwritten chat text is zeroed in the file, not left in
    // free space (what sealing existing chats in place relies on).
    if (auto st = c->exec("PRAGMA secure_delete = ON"); !st) return st;
    db_.emplace(std::move(c.value()));
    return {};
}

result<const vault::key *> store::owned_locked(const owner & user, int64_t id, bool need_key) {
    if (!db_) return make_error(errc::unavailable, "chat database is not open");
    auto s = db_->prepare("SELECT sealed FROM chats WHERE id = ? AND user_id = ?");
    if (!s) return s.err();
    auto row = s->bind(1, id).bind(2, user.id).step();
    if (!row) return row.err();
    if (!*row) return not_found("chat");
    if (s->get_int(0) == 0) return static_cast<const vault::key *>(nullptr);
    if (!user.key && need_key) return sealing::locked();
    return user.key.get();
}

result<chat_list> store::list(const owner & user, const list_query & q) {
    std::lock_guard lock(mu_);
    if (!db_) return make_error(errc::unavailable, "chat database is not open");
    if (q.limit < 1 || q.limit > max_page) {
        return make_error(errc::invalid_request, "limit must be from 1 to " + std::to_string(max_page));
    }
    if (q.offset < 0) return make_error(errc::invalid_request, "offset must not be negative");
    if (user.key) return list_sealed_locked(user, q);
    if (auto st = no_sealed_locked(user); !st) return st.err();

    std::string where = " FROM chats c WHERE c.user_id = ?1";
    if (!q.folder.empty()) where += " AND c.folder = ?2";
    if (!q.q.empty()) {
        where += " AND (c.title LIKE ?3 ESCAPE '\\' OR EXISTS (SELECT 1 FROM messages m"
                 " WHERE m.chat_id = c.id AND m.content LIKE ?3 ESCAPE '\\'))";
    }
    auto bind_all = [&](db::statement & s) {
        s.bind(1, user.id);
        if (!q.folder.empty()) s.bind(2, q.folder);
        if (!q.q.empty()) s.bind(3, like_pattern(q.q));
    };
    chat_list out;
    auto count = db_->prepare("SELECT COUNT(*)" + where);
    if (!count) return count.err();
    bind_all(*count);
    if (auto r = count->step(); !r) return r.err();
    out.total = count->get_int(0);

    auto s = db_->prepare(std::string("SELECT ") + summary_cols + where +
                          " ORDER BY c.pinned DESC, c.updated_at DESC, c.id DESC LIMIT ?4 OFFSET ?5");
    if (!s) return s.err();
    bind_all(*s);
    s->bind(4, int64_t{q.limit}).bind(5, int64_t{q.offset});
    for (;;) {
        auto r = s->step();
        if (!r) return r.err();
        if (!*r) break;
        out.chats.push_back(read_summary(*s));
    }
    return out;
}

result<std::vector<folder_count>> store::folders(const owner & user) {
    std::lock_guard lock(mu_);
    if (!db_) return make_error(errc::unavailable, "chat database is not open");
    if (user.key) return folders_sealed_locked(user);
    if (auto st = no_sealed_locked(user); !st) return st.err();
    auto s = db_->prepare("SELECT folder, COUNT(*) FROM chats WHERE user_id = ? AND folder != ''"
                          " GROUP BY folder ORDER BY folder COLLATE NOCASE, folder");
    if (!s) return s.err();
    s->bind(1, user.id);
    std::vector<folder_count> out;
    for (;;) {
        auto r = s->step();
        if (!r) return r.err();
        if (!*r) break;
        out.push_back(folder_count{s->get_text(0), s->get_int(1)});
    }
    return out;
}

// A placeholder row first: a sealed value's associated data names the row,
// whose id exists only once it is inserted (in the caller's transaction).
result<int64_t> store::insert_chat_locked(const owner & user, const chat & c, bool keep_times) {
    if (auto st = validate_meta(c.meta.title, c.meta.folder); !st) return st.err();
    if (!c.settings.is_object()) return make_error(errc::invalid_request, "settings must be an object");
    int64_t now = unix_ms();
    int64_t created = keep_times && c.meta.created_at > 0 ? c.meta.created_at : now;
    int64_t updated = keep_times && c.meta.updated_at > 0 ? c.meta.updated_at : now;
    auto s = db_->prepare("INSERT INTO chats(user_id, created_at, updated_at) VALUES (?, ?, ?)");
    if (!s) return s.err();
    if (auto st = s->bind(1, user.id).bind(2, created).bind(3, updated).run(); !st) return st.err();
    const int64_t id = db_->last_insert_id();
    chat fields = c;
    fields.current_message_id.reset();
    if (auto st = write_chat_locked(id, fields, user.key.get(), updated); !st) return st.err();
    return id;
}

status store::write_chat_locked(int64_t id, const chat & c, const vault::key * k, int64_t updated_at) {
    std::string title = c.meta.title, folder = c.meta.folder, settings = dump(c.settings);
    if (k) {
        title = vault::seal(*k, title, sealing::chat_ad(id, "title"));
        folder = vault::seal(*k, folder, sealing::chat_ad(id, "folder"));
        settings = vault::seal(*k, settings, sealing::chat_ad(id, "settings"));
    }
    auto s = db_->prepare("UPDATE chats SET title = ?, pinned = ?, folder = ?, settings = ?,"
                          " current_message_id = ?, updated_at = ?, sealed = ? WHERE id = ?");
    if (!s) return s.err();
    s->bind(1, title).bind(2, int64_t{c.meta.pinned}).bind(3, folder).bind(4, settings);
    s->bind(5, c.current_message_id).bind(6, updated_at).bind(7, int64_t{k != nullptr}).bind(8, id);
    return s->run();
}

result<chat_summary> store::create(const owner & user, const chat & c) {
    std::lock_guard lock(mu_);
    if (!db_) return make_error(errc::unavailable, "chat database is not open");
    auto tx = db::transaction::begin(*db_);
    if (!tx) return tx.err();
    auto id = insert_chat_locked(user, c, false);
    if (!id) return id.err();
    if (auto st = tx->commit(); !st) return st.err();
    return summary_locked(user, *id);
}

result<chat> store::get(const owner & user, int64_t id) {
    std::lock_guard lock(mu_);
    return get_locked(user, id);
}

result<chat_summary> store::summary_locked(const owner & user, int64_t id) {
    auto k = owned_locked(user, id);
    if (!k) return k.err();
    auto s = db_->prepare(std::string("SELECT ") + summary_cols + " FROM chats WHERE id = ?");
    if (!s) return s.err();
    auto row = s->bind(1, id).step();
    if (!row) return row.err();
    chat_summary c = read_summary(*s);
    if (*k) {
        if (auto st = open_chat_fields(**k, c, nullptr); !st) return st.err();
    }
    return c;
}

result<chat> store::get_locked(const owner & user, int64_t id) {
    auto k = owned_locked(user, id);
    if (!k) return k.err();
    auto s = db_->prepare(std::string("SELECT ") + summary_cols + ", settings, current_message_id FROM chats WHERE id = ?");
    if (!s) return s.err();
    auto row = s->bind(1, id).step();
    if (!row) return row.err();
    chat c;
    c.meta = read_summary(*s);
    std::string settings = s->get_text(7);
    c.current_message_id = s->get_optional_int(8);
    if (*k) {
        if (auto st = open_chat_fields(**k, c.meta, &settings); !st) return st.err();
    }
    c.settings = parse_stored(settings, json::object());

    // Ids grow, and a parent is always inserted before its children.
    auto m = db_->prepare(std::string("SELECT ") + message_cols + " FROM messages WHERE chat_id = ? ORDER BY id");
    if (!m) return m.err();
    m->bind(1, id);
    for (;;) {
        auto r = m->step();
        if (!r) return r.err();
        if (!*r) break;
        auto msg = read_message(*m, id, *k);
        if (!msg) return msg.err();
        c.messages.push_back(std::move(msg.value()));
    }
    return c;
}

result<chat_summary> store::update(const owner & user, int64_t id, const chat_patch & p) {
    std::lock_guard lock(mu_);
    auto k = owned_locked(user, id);
    if (!k) return k.err();
    auto cur = get_locked(user, id);
    if (!cur) return cur.err();
    chat c = std::move(cur.value());
    if (p.title) c.meta.title = *p.title;
    if (p.pinned) c.meta.pinned = *p.pinned;
    if (p.folder) c.meta.folder = *p.folder;
    if (p.settings) {
        if (!p.settings->is_object()) return make_error(errc::invalid_request, "settings must be an object");
        c.settings = *p.settings;
    }
    if (p.current_message_id) {
        bool found = false;
        for (const auto & m : c.messages) found = found || m.id == *p.current_message_id;
        if (!found) return make_error(errc::invalid_request, "current_message_id is not a message of this chat");
        c.current_message_id = p.current_message_id;
    }
    if (auto st = validate_meta(c.meta.title, c.meta.folder); !st) return st.err();
    // Pinning, moving and switching branches are not activity: only a
    // rename or new settings move the chat up the list.
    bool touch = p.title || p.settings;
    if (auto st = write_chat_locked(id, c, *k, touch ? unix_ms() : c.meta.updated_at); !st) return st.err();
    return summary_locked(user, id);
}

status store::remove(const owner & user, int64_t id) {
    std::lock_guard lock(mu_);
    // Deleting needs no key: it reveals nothing.
    if (auto k = owned_locked(user, id, false); !k) return k.err();
    auto s = db_->prepare("DELETE FROM chats WHERE id = ? AND user_id = ?");
    if (!s) return s.err();
    return s->bind(1, id).bind(2, user.id).run();
}

result<message> store::insert_message_locked(int64_t chat_id, const message & m, bool keep_times, const vault::key * k) {
    if (auto st = validate(m); !st) return st.err();
    if (m.parent_id) {
        auto p = db_->prepare("SELECT 1 FROM messages WHERE id = ? AND chat_id = ?");
        if (!p) return p.err();
        auto row = p->bind(1, *m.parent_id).bind(2, chat_id).step();
        if (!row) return row.err();
        if (!*row) return make_error(errc::invalid_request, "parent_id is not a message of this chat");
    }
    int64_t now = unix_ms();
    message out = m;
    out.created_at = keep_times && m.created_at > 0 ? m.created_at : now;
    out.updated_at = keep_times && m.updated_at > 0 ? m.updated_at : now;
    auto s = db_->prepare("INSERT INTO messages(chat_id, parent_id, role, model, status, created_at, updated_at)"
                          " VALUES (?,?,?,?,?,?,?)");
    if (!s) return s.err();
    s->bind(1, chat_id).bind(2, m.parent_id).bind(3, m.role).bind(4, m.model).bind(5, m.status);
    s->bind(6, out.created_at).bind(7, out.updated_at);
    if (auto st = s->run(); !st) return st.err();
    out.id = db_->last_insert_id();
    if (auto st = write_message_locked(chat_id, out, k); !st) return st.err();
    return out;
}

status store::write_message_locked(int64_t chat_id, const message & m, const vault::key * k) {
    std::string content = m.content, thinking = m.thinking, attachments = dump(m.attachments);
    if (k) {
        content = vault::seal(*k, content, sealing::message_ad(chat_id, m.id, "content"));
        thinking = vault::seal(*k, thinking, sealing::message_ad(chat_id, m.id, "thinking"));
        attachments = vault::seal(*k, attachments, sealing::message_ad(chat_id, m.id, "attachments"));
    }
    auto u = db_->prepare("UPDATE messages SET content = ?, thinking = ?, attachments = ?, status = ?, stats = ?,"
                          " updated_at = ? WHERE id = ? AND chat_id = ?");
    if (!u) return u.err();
    u->bind(1, content).bind(2, thinking).bind(3, attachments).bind(4, m.status).bind(5, dump(m.stats));
    return u->bind(6, m.updated_at).bind(7, m.id).bind(8, chat_id).run();
}

result<std::vector<message>> store::add_messages(const owner & user, int64_t chat_id, std::vector<message> msgs) {
    std::lock_guard lock(mu_);
    auto k = owned_locked(user, chat_id);
    if (!k) return k.err();
    if (msgs.empty()) return make_error(errc::invalid_request, "no messages given");
    auto tx = db::transaction::begin(*db_);
    if (!tx) return tx.err();
    std::vector<message> out;
    for (size_t i = 0; i < msgs.size(); ++i) {
        if (!msgs[i].parent_id && i > 0) msgs[i].parent_id = out.back().id;
        auto m = insert_message_locked(chat_id, msgs[i], false, *k);
        if (!m) return m.err();
        out.push_back(std::move(m.value()));
    }
    auto s = db_->prepare("UPDATE chats SET current_message_id = ?, updated_at = ? WHERE id = ?");
    if (!s) return s.err();
    if (auto st = s->bind(1, out.back().id).bind(2, unix_ms()).bind(3, chat_id).run(); !st) return st.err();
    if (auto st = tx->commit(); !st) return st.err();
    return out;
}

result<message> store::update_message(const owner & user, int64_t chat_id, int64_t msg_id, const message_patch & p) {
    std::lock_guard lock(mu_);
    auto k = owned_locked(user, chat_id);
    if (!k) return k.err();
    auto s = db_->prepare(std::string("SELECT ") + message_cols + " FROM messages WHERE id = ? AND chat_id = ?");
    if (!s) return s.err();
    auto row = s->bind(1, msg_id).bind(2, chat_id).step();
    if (!row) return row.err();
    if (!*row) return not_found("message");
    auto cur = read_message(*s, chat_id, *k);
    if (!cur) return cur.err();
    message m = std::move(cur.value());
    if (p.content) m.content = *p.content;
    if (p.thinking) m.thinking = *p.thinking;
    if (p.status) m.status = *p.status;
    if (p.stats) m.stats = *p.stats;
    if (auto st = validate(m); !st) return st.err();
    m.updated_at = unix_ms();
    if (auto st = write_message_locked(chat_id, m, *k); !st) return st.err();
    return m;
}

result<std::vector<int64_t>> store::import(const owner & user, const std::vector<chat> & chats) {
    std::lock_guard lock(mu_);
    if (!db_) return make_error(errc::unavailable, "chat database is not open");
    auto tx = db::transaction::begin(*db_);
    if (!tx) return tx.err();
    std::vector<int64_t> ids;
    for (size_t ci = 0; ci < chats.size(); ++ci) {
        const chat & c = chats[ci];
        auto where = [&](const std::string & msg) {
            return make_error(errc::invalid_request, "chat " + std::to_string(ci) + ": " + msg);
        };
        auto id = insert_chat_locked(user, c, true);
        if (!id) return where(id.err().message);
        std::map<int64_t, int64_t> new_id;  // old id -> new id
        for (const auto & m : c.messages) {
            if (new_id.count(m.id)) return where("duplicate message id " + std::to_string(m.id));
            message copy = m;
            if (m.parent_id) {
                auto it = new_id.find(*m.parent_id);
                if (it == new_id.end()) {
                    return where("message " + std::to_string(m.id) + " comes before its parent (or it is missing)");
                }
                copy.parent_id = it->second;
            }
            auto ins = insert_message_locked(*id, copy, true, user.key.get());
            if (!ins) return where(ins.err().message);
            new_id[m.id] = ins->id;
        }
        if (c.current_message_id) {
            auto it = new_id.find(*c.current_message_id);
            if (it == new_id.end()) return where("current_message_id is not one of its messages");
            auto s = db_->prepare("UPDATE chats SET current_message_id = ? WHERE id = ?");
            if (!s) return s.err();
            if (auto st = s->bind(1, it->second).bind(2, *id).run(); !st) return st.err();
        }
        ids.push_back(*id);
    }
    if (auto st = tx->commit(); !st) return st.err();
    return ids;
}

result<std::vector<chat>> store::export_all(const owner & user) {
    std::lock_guard lock(mu_);
    if (!db_) return make_error(errc::unavailable, "chat database is not open");
    auto ids = chat_ids_locked(user.id, " ORDER BY id");
    if (!ids) return ids.err();
    std::vector<chat> out;
    for (int64_t id : *ids) {
        auto c = get_locked(user, id);
        if (!c) return c.err();
        out.push_back(std::move(c.value()));
    }
    return out;
}

status store::no_sealed_locked(const owner & user) {
    auto s = db_->prepare("SELECT EXISTS (SELECT 1 FROM chats WHERE user_id = ? AND sealed = 1)");
    if (!s) return s.err();
    if (auto r = s->bind(1, user.id).step(); !r) return r.err();
    return s->get_int(0) != 0 ? status{sealing::locked()} : status{};
}

result<std::vector<int64_t>> store::chat_ids_locked(int64_t user, const char * tail) {
    auto s = db_->prepare(std::string("SELECT id FROM chats WHERE user_id = ?") + tail);
    if (!s) return s.err();
    s->bind(1, user);
    std::vector<int64_t> ids;
    for (;;) {
        auto r = s->step();
        if (!r) return r.err();
        if (!*r) break;
        ids.push_back(s->get_int(0));
    }
    return ids;
}

}  // namespace lokal::chats
