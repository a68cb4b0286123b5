// `lokal user ...` and `lokal key ...`: accounts and API keys. With
// LOKAL_API_KEY set they go through the server's API (admin routes; a
// user's own keys through /lokal/api/auth/keys); without, they
// open $LOKAL_DATA/lokal.db directly, which is how the first admin is made
// (no key exists yet) and works whether or not a server is running.
#include "auth/accounts.h"
#include "cli/commands.h"
#include "cli/terminal.h"
#include "cli/run_session.h"
#include "client/client.h"

#include <cstdio>
#include <ctime>
#include <iostream>
#include <optional>

#include <termios.h>
#include <unistd.h>

namespace lokal::cli {

namespace {

// One of the two ways to reach the accounts; the JSON is the API's either way.
struct accounts_access {
    std::optional<client::client> api;
    std::optional<auth::accounts> local;
};

result<std::unique_ptr<accounts_access>> open_access(const context & ctx) {
    auto a = std::make_unique<accounts_access>();
    if (!ctx.settings.api_key.empty()) {
        a->api.emplace(ctx.settings.base_url(), ctx.settings.api_key);
        return a;
    }
    a->local.emplace(ctx.settings.data_dir + "/lokal.db");
    if (auto st = a->local->open(); !st) return st.err();
    return a;
}

std::string read_line_stdin() {
    std::string line;
    std::getline(std::cin, line);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
}

std::string prompt_hidden(const char * prompt) {
    std::fputs(prompt, stderr);
    std::fflush(stderr);
    termios old{};
    bool restore = tcgetattr(STDIN_FILENO, &old) == 0;
    if (restore) {
        termios quiet = old;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    std::string line = read_line_stdin();
    if (restore) tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    std::fputs("\n", stderr);
    return line;
}

// From the terminal without echo (asked twice), or one line of stdin.
result<std::string> read_password(const parsed_args & args) {
    if (args.enabled("password-stdin") || !stdin_is_tty()) {
        std::string p = read_line_stdin();
        if (p.empty()) return make_error(errc::invalid_request, "no password on stdin");
        return p;
    }
    std::string first = prompt_hidden("Password: ");
    std::string second = prompt_hidden("Repeat password: ");
    if (first != second) return make_error(errc::invalid_request, "the passwords do not match");
    return first;
}

std::string when(const json & ms) {
    if (!ms.is_number_integer()) return "-";
    std::time_t t = static_cast<std::time_t>(ms.get<int64_t>() / 1000);
    char buf[32];
    std::tm tm{};
    gmtime_r(&t, &tm);
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm);
    return buf;
}

std::string pad(std::string s, size_t w) {
    if (s.size() < w) s.append(w - s.size(), ' ');
    return s + "   ";
}

void print_users(const json & users) {
    std::string out = pad("NAME", 24) + pad("ROLE", 6) + "CREATED (UTC)\n";
    for (const auto & u : users) {
        out += pad(u.value("name", ""), 24) + pad(u.value("role", ""), 6) + when(u["created_at"]) + "\n";
    }
    print_out(out);
}

void print_keys(const json & keys) {
    std::string out = pad("ID", 4) + pad("USER", 16) + pad("NAME", 16) + pad("PREFIX", 10) + pad("SCOPES", 24) +
                      pad("LAST USED", 16) + "STATUS\n";
    for (const auto & k : keys) {
        std::string scopes;
        for (const auto & s : k["scopes"]) scopes += (scopes.empty() ? "" : ",") + s.get<std::string>();
        out += pad(std::to_string(k.value("id", 0)), 4) + pad(k.value("user", ""), 16) + pad(k.value("name", ""), 16) +
               pad(k.value("prefix", ""), 10) + pad(scopes, 24) + pad(when(k["last_used_at"]), 16) +
               (k["revoked_at"].is_null() ? "active" : "revoked") + "\n";
    }
    print_out(out);
}

template <class T>
result<json> as_json_list(result<std::vector<T>> items) {
    if (!items) return items.err();
    json arr = json::array();
    for (const auto & i : *items) arr.push_back(auth::to_json(i));
    return arr;
}

status user_add(accounts_access & a, const parsed_args & args, const std::string & name) {
    auto password = read_password(args);
    if (!password) return password.err();
    const std::string role = args.enabled("admin") ? "admin" : "user";
    if (a.api) {
        auto r = a.api->post("/lokal/api/users", json{{"name", name}, {"password", *password}, {"role", role}});
        if (!r) return r.err();
    } else if (auto u = a.local->add_user(name, *password, role); !u) {
        return u.err();
    }
    std::fprintf(stderr, "added %s \"%s\"\n", role.c_str(), name.c_str());
    return {};
}

// --current: the user's current password first (its own prompt, or the first
// of two stdin lines), so their encrypted chats stay readable;
// --discard-chats: an admin reset that deletes them (nobody can recover them).
status user_passwd(accounts_access & a, const parsed_args & args, const std::string & name) {
    std::optional<std::string> current;
    if (args.enabled("current")) {
        const bool piped = args.enabled("password-stdin") || !stdin_is_tty();
        current = piped ? read_line_stdin() : prompt_hidden("Current password: ");
        if (current->empty()) return make_error(errc::invalid_request, "no current password given");
    }
    auto password = read_password(args);
    if (!password) return password.err();
    const bool discard = args.enabled("discard-chats");
    int64_t discarded = 0;
    if (a.api) {
        json body{{"password", *password}};
        if (current) body["current_password"] = *current;
        if (discard) body["discard_encrypted_chats"] = true;
        auto r = a.api->post("/lokal/api/users/" + name + "/password", body);
        if (!r) return r.err();
        discarded = r->value("discarded_chats", int64_t{0});
    } else {
        auto n = a.local->set_password(name, *password, auth::password_change{current, discard});
        if (!n) return n.err();
        discarded = *n;
    }
    if (discarded > 0) std::fprintf(stderr, "discarded %lld encrypted chats of \"%s\"\n", static_cast<long long>(discarded), name.c_str());
    return {};
}

}  // namespace

status cmd_user(context & ctx, const parsed_args & args) {
    const std::string verb = args.positional[0];
    const bool needs_name = verb == "add" || verb == "passwd" || verb == "rm";
    if (verb != "list" && !needs_name) return make_error(errc::invalid_request, "unknown action \"" + verb + "\" (add, list, passwd, rm)");
    if (needs_name && args.positional.size() != 2) return make_error(errc::invalid_request, "usage: lokal user " + verb + " NAME");
    auto access = open_access(ctx);
    if (!access) return access.err();
    accounts_access & a = **access;
    if (verb == "add") return user_add(a, args, args.positional[1]);
    if (verb == "passwd") return user_passwd(a, args, args.positional[1]);
    if (verb == "rm") {
        if (a.api) {
            auto r = a.api->del("/lokal/api/users/" + args.positional[1], json::object());
            return r ? status{} : status{r.err()};
        }
        return a.local->remove_user(args.positional[1]);
    }
    result<json> users = a.api ? [&]() -> result<json> {
        auto r = a.api->get("/lokal/api/users");
        if (!r) return r.err();
        return (*r)["users"];
    }()
                               : as_json_list(a.local->list_users());
    if (!users) return users.err();
    print_users(*users);
    return {};
}

namespace {

// Through the API, a key of one's own goes through /lokal/api/auth/keys,
// which any user may call; another user's (--user) or every key (an admin's
// `list`) through the admin routes.
bool is_admin(accounts_access & a) {
    auto me = a.api->get("/lokal/api/auth/me");
    return me && me->value("role", "") == "admin";
}

status key_create(accounts_access & a, const parsed_args & args) {
    const std::string user = args.value("user"), label = args.value("name"), scopes = args.value("scope", "inference");
    std::string secret;
    if (a.api) {
        json body{{"name", label}, {"scopes", scopes}};
        if (!user.empty()) body["user"] = user;
        auto r = a.api->post(user.empty() ? "/lokal/api/auth/keys" : "/lokal/api/keys", body);
        if (!r) return r.err();
        secret = r->value("key", "");
    } else {
        if (user.empty()) return make_error(errc::invalid_request, "--user NAME is required without LOKAL_API_KEY");
        auto bits = auth::parse_scopes(scopes);
        if (!bits) return bits.err();
        auto k = a.local->create_key(user, label, *bits);
        if (!k) return k.err();
        secret = k->secret;
    }
    print_out(secret + "\n");
    std::fputs("Save this key now: it is not shown again.\n", stderr);
    return {};
}

result<json> key_list(accounts_access & a, const parsed_args & args) {
    const std::string user = args.value("user");
    if (a.api) {
        const std::string path = !user.empty() ? "/lokal/api/keys?user=" + user
                                 : is_admin(a)   ? "/lokal/api/keys"
                                                 : "/lokal/api/auth/keys";
        auto r = a.api->get(path);
        if (!r) return r.err();
        return (*r)["keys"];
    }
    return as_json_list(a.local->list_keys(user.empty() ? std::nullopt : std::optional<std::string>(user)));
}

}  // namespace

status cmd_key(context & ctx, const parsed_args & args) {
    const std::string verb = args.positional[0];
    if (verb != "create" && verb != "list" && verb != "revoke") {
        return make_error(errc::invalid_request, "unknown action \"" + verb + "\" (create, list, revoke)");
    }
    if ((verb == "revoke") != (args.positional.size() == 2)) {
        return make_error(errc::invalid_request, verb == "revoke" ? "usage: lokal key revoke ID" : "too many arguments");
    }
    auto access = open_access(ctx);
    if (!access) return access.err();
    accounts_access & a = **access;
    if (verb == "create") return key_create(a, args);
    if (verb == "list") {
        auto keys = key_list(a, args);
        if (!keys) return keys.err();
        print_keys(*keys);
        return {};
    }
    const std::string & id = args.positional[1];
    if (id.empty() || id.find_first_not_of("0123456789") != std::string::npos) {
        return make_error(errc::invalid_request, "invalid key id \"" + id + "\"");
    }
    if (a.api) {
        auto r = a.api->del((is_admin(a) ? "/lokal/api/keys/" : "/lokal/api/auth/keys/") + id, json::object());
        return r ? status{} : status{r.err()};
    }
    return a.local->revoke_key(std::stoll(id), std::nullopt);
}

}  // namespace lokal::cli
