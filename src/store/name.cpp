#include "store/name.h"

#include "store/digest.h"

namespace lokal::store {

namespace {

enum class part_kind { host, ns, model, tag };

const char * kind_name(part_kind k) {
    switch (k) {
        case part_kind::host: return "host";
        case part_kind::ns: return "namespace";
        case part_kind::model: return "model";
        case part_kind::tag: return "tag";
    }
    return "part";
}

bool is_alnum_or_underscore(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

bool allowed_after_first(part_kind kind, char c) {
    if (is_alnum_or_underscore(c) || c == '-') {
        return true;
    }
    switch (c) {
        case '.': return kind != part_kind::ns;
        case ':': return kind == part_kind::host;
        default: return false;
    }
}

status validate_part(part_kind kind, std::string_view s, std::string_view whole) {
    const size_t max_len = kind == part_kind::host ? 350 : 80;
    auto fail = [&](const std::string & why) {
        return make_error(errc::invalid_request,
                          "invalid model name \"" + std::string(whole) + "\": " + kind_name(kind) + " " + why);
    };
    if (s.empty()) {
        return fail("is missing");
    }
    if (s.size() > max_len) {
        return fail("is longer than " + std::to_string(max_len) + " characters");
    }
    if (!is_alnum_or_underscore(s[0])) {
        return fail("must start with a letter, a digit or '_'");
    }
    for (char c : s.substr(1)) {
        if (!allowed_after_first(kind, c)) {
            return fail("contains an invalid character");
        }
    }
    return {};
}

// Splits off the part after the last sep; `found` says whether sep occurred.
std::string_view cut_last(std::string_view & rest, char sep, bool & found) {
    size_t i = rest.rfind(sep);
    found = i != std::string_view::npos;
    if (!found) {
        return {};
    }
    std::string_view after = rest.substr(i + 1);
    rest = rest.substr(0, i);
    return after;
}

std::string_view strip_scheme(std::string_view host) {
    for (std::string_view scheme : {"https://", "http://"}) {
        if (host.substr(0, scheme.size()) == scheme) {
            return host.substr(scheme.size());
        }
    }
    return host;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char & c : out) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return out;
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && lower(a) == lower(b);
}

std::string model_name::display_short() const {
    std::string out;
    if (!iequals(host, default_host)) {
        out += host + "/" + ns + "/";
    } else if (!iequals(ns, default_namespace)) {
        out += ns + "/";
    }
    return out + model + ":" + tag;
}

std::string model_name::to_string() const { return host + "/" + ns + "/" + model + ":" + tag; }

std::string model_name::manifest_relpath() const { return host + "/" + ns + "/" + model + "/" + tag; }

bool model_name::equals(const model_name & o) const {
    return iequals(host, o.host) && iequals(ns, o.ns) && iequals(model, o.model) && iequals(tag, o.tag);
}

result<model_name> parse_model_name(std::string_view text) {
    model_name n;
    std::string_view rest = text;
    bool found = false;

    if (size_t at = rest.rfind('@'); at != std::string_view::npos) {
        auto d = parse_digest(rest.substr(at + 1));
        if (!d) {
            return make_error(errc::invalid_request, "invalid model name \"" + std::string(text) + "\": bad digest");
        }
        n.digest = *d;
        rest = rest.substr(0, at);
    }
    size_t colon = rest.rfind(':');
    size_t slash = rest.rfind('/');
    if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
        n.tag = std::string(cut_last(rest, ':', found));
        if (auto st = validate_part(part_kind::tag, n.tag, text); !st) {
            return st.err();
        }
    }
    n.model = std::string(cut_last(rest, '/', found));
    if (!found) {
        n.model = std::string(rest);
    } else {
        n.ns = std::string(cut_last(rest, '/', found));
        if (!found) {
            n.ns = std::string(rest);
        } else {
            n.host = std::string(strip_scheme(rest));
            if (n.host.find('/') != std::string::npos) {
                return make_error(errc::invalid_request,
                                  "invalid model name \"" + std::string(text) + "\": too many '/' separators");
            }
            if (auto st = validate_part(part_kind::host, n.host, text); !st) {
                return st.err();
            }
        }
        if (auto st = validate_part(part_kind::ns, n.ns, text); !st) {
            return st.err();
        }
    }
    if (auto st = validate_part(part_kind::model, n.model, text); !st) {
        return st.err();
    }
    if (n.host.empty()) n.host = default_host;
    if (n.ns.empty()) n.ns = default_namespace;
    if (n.tag.empty()) n.tag = default_tag;
    return n;
}

result<model_name> name_from_parts(std::string_view host, std::string_view ns, std::string_view model,
                                   std::string_view tag) {
    std::string whole = std::string(host) + "/" + std::string(ns) + "/" + std::string(model) + ":" + std::string(tag);
    const std::pair<part_kind, std::string_view> parts[] = {
        {part_kind::host, host}, {part_kind::ns, ns}, {part_kind::model, model}, {part_kind::tag, tag}};
    for (const auto & [kind, value] : parts) {
        if (auto st = validate_part(kind, value, whole); !st) {
            return st.err();
        }
    }
    return model_name{std::string(host), std::string(ns), std::string(model), std::string(tag), {}};
}

}  // namespace lokal::store
