#include "registry/auth.h"

#include "registry/url.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

namespace lokal::registry {

namespace {

error bad(std::string msg) { return make_error(errc::invalid_request, std::move(msg)); }

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

bool is_token_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("!#$%&'*+-.^_`|~/:").find(c) != std::string_view::npos;
}

void skip_spaces(std::string_view s, size_t & i) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
}

// A quoted-string (with backslash escapes) or a bare token, starting at i.
result<std::string> read_value(std::string_view s, size_t & i) {
    std::string v;
    if (i < s.size() && s[i] == '"') {
        for (++i; i < s.size() && s[i] != '"'; ++i) {
            if (s[i] == '\\' && i + 1 < s.size()) ++i;
            v += s[i];
        }
        if (i >= s.size()) return bad("unterminated quoted value in WWW-Authenticate");
        ++i;
        return v;
    }
    while (i < s.size() && is_token_char(s[i])) v += s[i++];
    return v;
}

// The key for a host in the credential map: "https://h:5000/v2/" -> "h:5000".
std::string host_key(std::string_view key) {
    for (std::string_view prefix : {"https://", "http://"}) {
        if (key.starts_with(prefix)) key.remove_prefix(prefix.size());
    }
    key = key.substr(0, key.find('/'));
    return lower(key);
}

}  // namespace

result<challenge> parse_www_authenticate(std::string_view header) {
    challenge c;
    size_t i = 0;
    skip_spaces(header, i);
    while (i < header.size() && std::isalpha(static_cast<unsigned char>(header[i]))) c.scheme += header[i++];
    if (c.scheme.empty()) return bad("WWW-Authenticate without a scheme");
    c.scheme = lower(c.scheme);
    while (true) {
        skip_spaces(header, i);
        if (i >= header.size()) break;
        std::string key;
        while (i < header.size() && is_token_char(header[i]) && header[i] != '=') key += header[i++];
        skip_spaces(header, i);
        // A bare token after a comma starts the next challenge: keep the first.
        if (!key.empty() && (i >= header.size() || header[i] != '=') && !c.realm.empty()) break;
        if (key.empty() || i >= header.size() || header[i] != '=') return bad("malformed WWW-Authenticate parameter");
        ++i;
        skip_spaces(header, i);
        auto v = read_value(header, i);
        if (!v) return v.err();
        key = lower(key);
        if (key == "realm") c.realm = *v;
        else if (key == "service") c.service = *v;
        else if (key == "scope") c.scope = *v;
        skip_spaces(header, i);
        if (i < header.size()) {
            // Another challenge may follow a comma ("..., Basic realm=..."): stop at it.
            if (header[i] != ',') return bad("malformed WWW-Authenticate parameter list");
            ++i;
        }
    }
    return c;
}

std::string percent_encode(std::string_view s) {
    static const char * hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

result<std::string> token_url(const challenge & c) {
    if (c.realm.empty()) return bad("bearer challenge without a realm");
    auto u = parse_url(c.realm);
    if (!u) return bad("bearer challenge with an unusable realm \"" + c.realm.substr(0, 100) + "\"");
    std::string out = c.realm;
    if (!c.service.empty()) out = add_query(out, "service", percent_encode(c.service));
    if (!c.scope.empty()) out = add_query(out, "scope", percent_encode(c.scope));
    return out;
}

result<std::string> parse_token_response(std::string_view body) {
    json j = json::parse(body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return make_error(errc::unauthorized, "the token service sent no JSON");
    for (const char * key : {"token", "access_token"}) {
        auto it = j.find(key);
        if (it != j.end() && it->is_string() && !it->get<std::string>().empty()) return it->get<std::string>();
    }
    return make_error(errc::unauthorized, "the token service sent no token");
}

result<credential_map> parse_auth_file(std::string_view text) {
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return bad("registry auth file: not a JSON object");
    credential_map out;
    auto auths = j.find("auths");
    if (auths == j.end()) return out;
    if (!auths->is_object()) return bad("registry auth file: \"auths\" must be an object");
    for (auto e = auths->begin(); e != auths->end(); ++e) {
        if (!e.value().is_object()) continue;
        const json & v = e.value();
        credentials c;
        if (v.contains("username") && v["username"].is_string() && v.contains("password") && v["password"].is_string()) {
            c = {v["username"].get<std::string>(), v["password"].get<std::string>()};
        } else if (v.contains("auth") && v["auth"].is_string()) {
            auto decoded = base64_decode(v["auth"].get<std::string>());
            if (!decoded) continue;
            auto colon = decoded->find(':');
            if (colon == std::string::npos) continue;
            c = {decoded->substr(0, colon), decoded->substr(colon + 1)};
        } else {
            continue;
        }
        std::string key = host_key(e.key());
        if (key.empty() || !validate_host(key)) continue;
        out[key] = std::move(c);
    }
    return out;
}

result<credential_map> load_auth_file(const std::string & path) {
    if (path.empty()) return credential_map{};
    std::ifstream f(path, std::ios::binary);
    if (!f) return make_error(errc::internal, "cannot read the registry auth file " + path);
    std::ostringstream ss;
    ss << f.rdbuf();
    if (ss.str().size() > (1u << 20)) return make_error(errc::internal, "the registry auth file is too large");
    return parse_auth_file(ss.str());
}

std::optional<credentials> find_credentials(const credential_map & m, std::string_view host) {
    auto it = m.find(lower(host));
    if (it == m.end()) return std::nullopt;
    return it->second;
}

std::string basic_authorization(const credentials & c) { return "Basic " + base64_encode(c.username + ":" + c.password); }

}  // namespace lokal::registry
