// The web UI's conversation store: /lokal/api/chats... (a lokal-only prefix,
// so it can never collide with Ollama's /api/*). Every route acts for the
// caller's own user (the principal; the local user while authentication is
// off): another user's chat is "not found", for admins too.
#include "handlers/chat_routes.h"

#include "chats/wire.h"

#include <cctype>
#include <charconv>

namespace lokal::handlers {

namespace {

result<int64_t> id_param(const http::request & req, const char * name) {
    auto it = req.params.find(name);
    const std::string v = it == req.params.end() ? std::string() : it->second;
    int64_t id = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), id);
    if (v.empty() || ec != std::errc() || p != v.data() + v.size() || id <= 0) {
        return make_error(errc::invalid_request, std::string("invalid ") + name + " \"" + v + "\"");
    }
    return id;
}

result<int> int_query(const http::request & req, const char * name, int fallback) {
    auto it = req.query.find(name);
    if (it == req.query.end() || it->second.empty()) return fallback;
    int v = 0;
    const auto & s = it->second;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) {
        return make_error(errc::invalid_request, std::string(name) + " must be an integer");
    }
    return v;
}

// Changes need a JSON content type. A form or text/plain POST is a "simple"
// request that another web site can send without the browser asking first;
// application/json makes the browser ask (CORS preflight), and lokal does not
// say yes to other origins, so no page elsewhere can write into the chats.
result<json> json_body(const http::request & req, bool allow_empty = false) {
    const std::string type = req.header("Content-Type");
    if (type.rfind("application/json", 0) != 0) {
        return make_error(errc::invalid_request, "Content-Type must be application/json");
    }
    return http::parse_json_body(req, allow_empty);
}

std::string query(const http::request & req, const char * name) {
    auto it = req.query.find(name);
    return it == req.query.end() ? std::string() : it->second;
}

void list(chats::store & st, const chats::owner & user, const http::request & req, http::response & res) {
    http::reply(res, [&]() -> result<json> {
        chats::list_query q;
        q.q = query(req, "q");
        q.folder = query(req, "folder");
        auto limit = int_query(req, "limit", q.limit);
        if (!limit) return limit.err();
        auto offset = int_query(req, "offset", 0);
        if (!offset) return offset.err();
        q.limit = *limit;
        q.offset = *offset;
        auto l = st.list(user, q);
        if (!l) return l.err();
        json arr = json::array();
        for (const auto & c : l->chats) arr.push_back(chats::to_json(c));
        return json{{"chats", std::move(arr)}, {"total", l->total}};
    });
}

void folders(chats::store & st, const chats::owner & user, const http::request &, http::response & res) {
    http::reply(res, [&]() -> result<json> {
        auto f = st.folders(user);
        if (!f) return f.err();
        json arr = json::array();
        for (const auto & x : *f) arr.push_back(json{{"name", x.name}, {"chats", x.chats}});
        return json{{"folders", std::move(arr)}};
    });
}

void create(chats::store & st, const chats::owner & user, const http::request & req, http::response & res) {
    http::reply(
        res,
        [&]() -> result<json> {
            auto body = json_body(req, true);
            if (!body) return body.err();
            auto c = chats::chat_from_json(*body);
            if (!c) return c.err();
            if (!c->messages.empty()) {
                return make_error(errc::invalid_request, "create a chat first, then add messages (or use import)");
            }
            auto made = st.create(user, *c);
            if (!made) return made.err();
            return chats::to_json(*made);
        },
        201);
}

void show(chats::store & st, const chats::owner & user, const http::request & req, http::response & res) {
    http::reply(res, [&]() -> result<json> {
        auto id = id_param(req, "id");
        if (!id) return id.err();
        auto c = st.get(user, *id);
        if (!c) return c.err();
        return chats::to_json(*c);
    });
}

void update(chats::store & st, const chats::owner & user, const http::request & req, http::response & res) {
    http::reply(res, [&]() -> result<json> {
        auto id = id_param(req, "id");
        if (!id) return id.err();
        auto body = json_body(req);
        if (!body) return body.err();
        auto p = chats::chat_patch_from_json(*body);
        if (!p) return p.err();
        auto c = st.update(user, *id, *p);
        if (!c) return c.err();
        return chats::to_json(*c);
    });
}

void remove(chats::store & st, const chats::owner & user, const http::request & req, http::response & res) {
    http::reply(res, [&]() -> result<json> {
        auto id = id_param(req, "id");
        if (!id) return id.err();
        if (auto s = st.remove(user, *id); !s) return s.err();
        return json::object();
    });
}

// Body: one message object, or {"messages": [...]} to add a chain at once.
void add_messages(chats::store & st, const chats::owner & user, const http::request & req, http::response & res) {
    http::reply(
        res,
        [&]() -> result<json> {
            auto id = id_param(req, "id");
            if (!id) return id.err();
            auto body = json_body(req);
            if (!body) return body.err();
            std::vector<chats::message> msgs;
            const bool batch = body->contains("messages");
            json items = batch ? (*body)["messages"] : json::array({*body});
            if (!items.is_array()) return make_error(errc::invalid_request, "messages must be an array");
            for (const auto & item : items) {
                auto m = chats::message_from_json(item);
                if (!m) return m.err();
                msgs.push_back(std::move(m.value()));
            }
            auto added = st.add_messages(user, *id, std::move(msgs));
            if (!added) return added.err();
            json arr = json::array();
            for (const auto & m : *added) arr.push_back(chats::to_json(m));
            return batch ? json{{"messages", std::move(arr)}} : arr[0];
        },
        201);
}

void update_message(chats::store & st, const chats::owner & user, const http::request & req, http::response & res) {
    http::reply(res, [&]() -> result<json> {
        auto id = id_param(req, "id");
        if (!id) return id.err();
        auto mid = id_param(req, "message_id");
        if (!mid) return mid.err();
        auto body = json_body(req);
        if (!body) return body.err();
        auto p = chats::message_patch_from_json(*body);
        if (!p) return p.err();
        auto m = st.update_message(user, *id, *mid, *p);
        if (!m) return m.err();
        return chats::to_json(*m);
    });
}

// A download name from a title: letters, digits, '-' and '_' only.
std::string file_name(const std::string & title, const char * ext) {
    std::string out;
    for (char ch : title) {
        if (std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_') out += ch;
        else if (ch == ' ' && !out.empty() && out.back() != '-') out += '-';
        if (out.size() >= 60) break;
    }
    return (out.empty() ? std::string("chat") : out) + ext;
}

void export_chat(chats::store & st, const chats::owner & user, const http::request & req, http::response & res) {
    auto id = id_param(req, "id");
    if (!id) return http::set_error(res, id.err());
    const std::string format = query(req, "format").empty() ? "json" : query(req, "format");
    if (format != "json" && format != "markdown") {
        return http::set_error(res, make_error(errc::invalid_request, "format must be json or markdown"));
    }
    auto c = st.get(user, *id);
    if (!c) return http::set_error(res, c.err());
    if (format == "markdown") {
        res.content_type = "text/markdown; charset=utf-8";
        res.body = chats::to_markdown(*c);
    } else {
        http::set_json(res, chats::export_document({*c}));
    }
    res.headers.emplace_back("Content-Disposition", "attachment; filename=\"" +
                                                        file_name(c->meta.title, format == "json" ? ".json" : ".md") +
                                                        "\"");
}

void export_all(chats::store & st, const chats::owner & user, const http::request &, http::response & res) {
    auto all = st.export_all(user);
    if (!all) return http::set_error(res, all.err());
    http::set_json(res, chats::export_document(*all));
    res.headers.emplace_back("Content-Disposition", "attachment; filename=\"lokal-chats.json\"");
}

void import(chats::store & st, const chats::owner & user, const http::request & req, http::response & res) {
    http::reply(
        res,
        [&]() -> result<json> {
            auto body = json_body(req);
            if (!body) return body.err();
            auto doc = chats::import_document(*body);
            if (!doc) return doc.err();
            auto ids = st.import(user, *doc);
            if (!ids) return ids.err();
            return json{{"ids", *ids}};
        },
        201);
}

}  // namespace

void register_chat_routes(http::server & srv, chats::store & st, owner_lookup owner) {
    using req_t = const http::request &;
    using res_t = http::response &;
    using handler_fn = void (*)(chats::store &, const chats::owner &, req_t, res_t);
    auto as_owner = [&st, owner](handler_fn fn) {
        return [&st, owner, fn](req_t q, res_t r) {
            auto user = owner(q);
            if (!user) return http::set_error(r, user.err());
            fn(st, *user, q, r);
        };
    };
    const std::string base = "/lokal/api/chats";
    srv.route("GET", base, as_owner(list));
    srv.route("POST", base, as_owner(create));
    srv.route("GET", base + "/:id", as_owner(show));
    srv.route("PATCH", base + "/:id", as_owner(update));
    srv.route("DELETE", base + "/:id", as_owner(remove));
    srv.route("POST", base + "/:id/messages", as_owner(add_messages));
    srv.route("PATCH", base + "/:id/messages/:message_id", as_owner(update_message));
    srv.route("GET", base + "/:id/export", as_owner(export_chat));
    srv.route("GET", "/lokal/api/folders", as_owner(folders));
    srv.route("GET", "/lokal/api/export", as_owner(export_all));
    srv.route("POST", "/lokal/api/import", as_owner(import));
}

}  // namespace lokal::handlers
