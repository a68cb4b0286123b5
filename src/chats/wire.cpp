#include "chats/wire.h"

#include <map>

namespace lokal::chats {

namespace {

error bad(const std::string & msg) { return make_error(errc::invalid_request, msg); }

// Reads an optional field of the given kind; absent or null leaves out alone.
status get_string(const json & j, const char * key, std::string & out) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return {};
    if (!it->is_string()) return bad(std::string(key) + " must be a string");
    out = it->get<std::string>();
    return {};
}

status get_int(const json & j, const char * key, std::optional<int64_t> & out) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return {};
    if (!it->is_number_integer()) return bad(std::string(key) + " must be an integer");
    out = it->get<int64_t>();
    return {};
}

status get_bool(const json & j, const char * key, std::optional<bool> & out) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return {};
    if (!it->is_boolean()) return bad(std::string(key) + " must be true or false");
    out = it->get<bool>();
    return {};
}

status get_object(const json & j, const char * key, std::optional<json> & out, bool array = false) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return {};
    if (array ? !it->is_array() : !it->is_object()) {
        return bad(std::string(key) + (array ? " must be an array" : " must be an object"));
    }
    out = *it;
    return {};
}

template <class... S>
status first_error(S &&... st) {
    status out;
    ((out = out ? std::move(st) : out), ...);
    return out;
}

}  // namespace

json to_json(const chat_summary & c) {
    return json{{"id", c.id},           {"title", c.title},           {"pinned", c.pinned},
                {"folder", c.folder},   {"created_at", c.created_at}, {"updated_at", c.updated_at}};
}

json to_json(const message & m) {
    return json{{"id", m.id},
                {"parent_id", m.parent_id ? json(*m.parent_id) : json(nullptr)},
                {"role", m.role},
                {"content", m.content},
                {"thinking", m.thinking},
                {"model", m.model},
                {"status", m.status},
                {"attachments", m.attachments},
                {"stats", m.stats},
                {"created_at", m.created_at},
                {"updated_at", m.updated_at}};
}

json to_json(const chat & c) {
    json j = to_json(c.meta);
    j["settings"] = c.settings;
    j["current_message_id"] = c.current_message_id ? json(*c.current_message_id) : json(nullptr);
    json msgs = json::array();
    for (const auto & m : c.messages) msgs.push_back(to_json(m));
    j["messages"] = std::move(msgs);
    return j;
}

json export_document(const std::vector<chat> & chats) {
    json arr = json::array();
    for (const auto & c : chats) arr.push_back(to_json(c));
    return json{{"lokal_chats", export_format_version}, {"chats", std::move(arr)}};
}

result<message> message_from_json(const json & j) {
    if (!j.is_object()) return bad("a message must be an object");
    message m;
    std::optional<int64_t> id, parent, created, updated;
    std::optional<json> attachments, stats;
    auto st = first_error(get_int(j, "id", id), get_int(j, "parent_id", parent), get_string(j, "role", m.role),
                          get_string(j, "content", m.content), get_string(j, "thinking", m.thinking),
                          get_string(j, "model", m.model), get_string(j, "status", m.status),
                          get_object(j, "attachments", attachments, true), get_object(j, "stats", stats),
                          get_int(j, "created_at", created), get_int(j, "updated_at", updated));
    if (!st) return st.err();
    if (m.role.empty()) return bad("a message needs a role");
    m.id = id.value_or(0);
    m.parent_id = parent;
    if (attachments) m.attachments = *attachments;
    if (stats) m.stats = *stats;
    m.created_at = created.value_or(0);
    m.updated_at = updated.value_or(0);
    if (auto v = validate(m); !v) return v.err();
    return m;
}

result<chat> chat_from_json(const json & j) {
    if (!j.is_object()) return bad("a chat must be an object");
    chat c;
    std::optional<bool> pinned;
    std::optional<json> settings;
    std::optional<int64_t> created, updated;
    auto st = first_error(get_string(j, "title", c.meta.title), get_string(j, "folder", c.meta.folder),
                          get_bool(j, "pinned", pinned), get_object(j, "settings", settings),
                          get_int(j, "current_message_id", c.current_message_id), get_int(j, "created_at", created),
                          get_int(j, "updated_at", updated));
    if (!st) return st.err();
    c.meta.pinned = pinned.value_or(false);
    if (settings) c.settings = *settings;
    c.meta.created_at = created.value_or(0);
    c.meta.updated_at = updated.value_or(0);
    if (auto it = j.find("messages"); it != j.end() && !it->is_null()) {
        if (!it->is_array()) return bad("messages must be an array");
        for (size_t i = 0; i < it->size(); ++i) {
            auto m = message_from_json((*it)[i]);
            if (!m) return bad("messages[" + std::to_string(i) + "]: " + m.err().message);
            c.messages.push_back(std::move(m.value()));
        }
    }
    return c;
}

result<chat_patch> chat_patch_from_json(const json & j) {
    chat_patch p;
    std::string title, folder;
    bool has_title = j.contains("title") && !j["title"].is_null();
    bool has_folder = j.contains("folder") && !j["folder"].is_null();
    auto st = first_error(get_string(j, "title", title), get_string(j, "folder", folder), get_bool(j, "pinned", p.pinned),
                          get_object(j, "settings", p.settings),
                          get_int(j, "current_message_id", p.current_message_id));
    if (!st) return st.err();
    if (has_title) p.title = title;
    if (has_folder) p.folder = folder;
    return p;
}

result<message_patch> message_patch_from_json(const json & j) {
    message_patch p;
    std::string content, thinking, status;
    auto st = first_error(get_string(j, "content", content), get_string(j, "thinking", thinking),
                          get_string(j, "status", status), get_object(j, "stats", p.stats));
    if (!st) return st.err();
    if (j.contains("content") && !j["content"].is_null()) p.content = content;
    if (j.contains("thinking") && !j["thinking"].is_null()) p.thinking = thinking;
    if (j.contains("status") && !j["status"].is_null()) p.status = status;
    return p;
}

result<std::vector<chat>> import_document(const json & j) {
    auto v = j.find("lokal_chats");
    if (v == j.end() || !v->is_number_integer()) return bad("not a lokal chat export (no \"lokal_chats\" version)");
    if (v->get<int64_t>() != export_format_version) {
        return bad("unsupported export version " + v->dump() + " (this lokal reads version " +
                   std::to_string(export_format_version) + ")");
    }
    auto arr = j.find("chats");
    if (arr == j.end() || !arr->is_array()) return bad("chats must be an array");
    std::vector<chat> out;
    for (size_t i = 0; i < arr->size(); ++i) {
        auto c = chat_from_json((*arr)[i]);
        if (!c) return bad("chats[" + std::to_string(i) + "]: " + c.err().message);
        out.push_back(std::move(c.value()));
    }
    return out;
}

std::vector<const message *> branch(const chat & c, std::optional<int64_t> leaf) {
    std::map<int64_t, const message *> by_id;
    for (const auto & m : c.messages) by_id[m.id] = &m;
    std::vector<const message *> path;
    // Bounded by the message count, so a corrupt cycle cannot loop forever.
    while (leaf && path.size() <= c.messages.size()) {
        auto it = by_id.find(*leaf);
        if (it == by_id.end()) break;
        path.push_back(it->second);
        leaf = it->second->parent_id;
    }
    return {path.rbegin(), path.rend()};
}

std::string to_markdown(const chat & c) {
    std::string out = "# " + (c.meta.title.empty() ? std::string("Chat") : c.meta.title) + "\n\n";
    if (auto sys = c.settings.find("system"); sys != c.settings.end() && sys->is_string() &&
                                               !sys->get<std::string>().empty()) {
        out += "**System:** " + sys->get<std::string>() + "\n\n";
    }
    for (const message * m : branch(c, c.current_message_id)) {
        std::string who = m->role == "user" ? "User" : m->role == "assistant" ? "Assistant" : m->role;
        if (m->role == "assistant" && !m->model.empty()) who += " (" + m->model + ")";
        out += "## " + who + "\n\n";
        if (!m->thinking.empty()) {
            out += "<details><summary>Thinking</summary>\n\n" + m->thinking + "\n\n</details>\n\n";
        }
        out += m->content + "\n\n";
    }
    return out;
}

}  // namespace lokal::chats
