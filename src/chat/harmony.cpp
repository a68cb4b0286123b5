#include "chat/harmony.h"

#include "core/gojson.h"

#include <cctype>
#include <optional>
#include <sstream>
#include <string_view>

namespace lokal::chat {

namespace {

constexpr std::string_view start_tag = "<|start|>";
constexpr std::string_view message_tag = "<|message|>";
constexpr std::string_view end_tag = "<|end|>";
constexpr std::string_view channel_tag = "<|channel|>";
constexpr std::string_view constrain_tag = "<|constrain|>";

// Length of the longest suffix of s that is a proper prefix of tag: text
// that may still become the tag and must be held back.
size_t partial_tag(std::string_view s, std::string_view tag) {
    for (size_t n = std::min(s.size(), tag.size() - 1); n > 0; --n) {
        if (s.substr(s.size() - n) == tag.substr(0, n)) return n;
    }
    return 0;
}

bool is_white(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

std::string trim(std::string s) {
    size_t b = 0, e = s.size();
    while (b < e && is_white(s[b])) ++b;
    while (e > b && is_white(s[e - 1])) --e;
    return s.substr(b, e - b);
}

struct header {
    std::string role, channel, recipient;
};

// "assistant<|channel|>commentary to=functions.f <|constrain|>json": the
// channel runs to the first space; the first word is the role, and a
// recipient is "to=…" as the role itself or as the word after it.
header parse_header(std::string raw) {
    header h;
    if (size_t c = raw.find(constrain_tag); c != std::string::npos) raw.insert(c, " ");
    if (size_t at = raw.find(channel_tag); at != std::string::npos) {
        size_t from = at + channel_tag.size(), to = from;
        while (to < raw.size() && !is_white(raw[to])) ++to;
        h.channel = raw.substr(from, to - from);
        raw = raw.substr(0, at) + raw.substr(to);
    }
    std::istringstream words(trim(raw));
    std::string role, next;
    if (!(words >> role)) return h;
    if (role.rfind("to=", 0) == 0) {
        h.recipient = role.substr(3);
        h.role = "tool";
    } else {
        h.role = role;
        if (words >> next && next.rfind("to=", 0) == 0) h.recipient = next.substr(3);
    }
    return h;
}

class harmony_parser final : public output_parser {
public:
    harmony_parser(harmony_names names, harmony_prefill prefill) : names_(std::move(names)) {
        buf_ = std::string(start_tag) + "assistant";
        if (prefill == harmony_prefill::final) buf_ += std::string(channel_tag) + "final" + std::string(message_tag);
        if (prefill == harmony_prefill::analysis) buf_ += std::string(channel_tag) + "analysis" + std::string(message_tag);
    }

    delta add(std::string_view text) override {
        buf_.append(text);
        delta d;
        while (step(d)) {
        }
        return d;
    }

    // Tool calls are one per output and end it (<|call|> stops generation),
    // so they are parsed here, as Ollama does.
    delta finish() override {
        delta d;
        if (state_ == state::body) route(d, buf_);  // a held-back partial tag that never completed
        buf_.clear();
        if (!tool_.has_value()) return d;
        std::string name = *tool_;
        if (name.rfind("functions.", 0) == 0) name = name.substr(10);
        json args = json::parse(tool_args_, nullptr, false);
        if (args.is_discarded() || !args.is_object()) {
            // Not a call after all: the text is not lost.
            d.content = tool_args_;
        } else {
            d.tool_calls.push_back(tool_call_json(names_.user_name(name), std::move(args), 0, new_tool_call_id()));
        }
        tool_.reset();
        tool_args_.clear();
        return d;
    }

private:
    enum class state { between, header, body };
    enum class role { content, thinking, tool };

    // One transition; false when more output is needed.
    bool step(delta & d) {
        switch (state_) {
        case state::between: {
            size_t at = buf_.find(start_tag);
            if (at == std::string::npos) {
                // Only a partial start tag is worth keeping.
                buf_.erase(0, buf_.size() - partial_tag(buf_, start_tag));
                return false;
            }
            buf_.erase(0, at + start_tag.size());
            state_ = state::header;
            return true;
        }
        case state::header: {
            size_t at = buf_.find(message_tag);
            if (at == std::string::npos) return false;
            open(parse_header(buf_.substr(0, at)));
            buf_.erase(0, at + message_tag.size());
            state_ = state::body;
            return true;
        }
        case state::body: {
            size_t at = buf_.find(end_tag);
            size_t emit = at != std::string::npos ? at : buf_.size() - partial_tag(buf_, end_tag);
            route(d, buf_.substr(0, emit));
            if (at == std::string::npos) {
                buf_.erase(0, emit);
                return false;
            }
            buf_.erase(0, at + end_tag.size());
            state_ = state::between;
            role_ = role::content;
            return true;
        }
        }
        return false;
    }

    void open(const header & h) {
        if (!h.recipient.empty() && (h.channel == "analysis" || h.channel == "commentary")) {
            role_ = role::tool;
            tool_ = h.recipient;
            tool_args_.clear();
        } else if (h.channel == "analysis") {
            role_ = role::thinking;
        } else if (h.channel == "commentary" || h.channel == "final") {
            role_ = role::content;
        }
    }

    void route(delta & d, const std::string & text) {
        if (text.empty()) return;
        if (role_ == role::thinking) d.thinking += text;
        else if (role_ == role::tool) tool_args_ += text;
        else d.content += text;
    }

    harmony_names names_;
    std::string buf_;
    state state_ = state::between;
    role role_ = role::content;
    std::optional<std::string> tool_;
    std::string tool_args_;
};

// Spaces, dashes and dots become "_", other characters that are neither
// letters, digits, "_" nor "$" are dropped, a leading digit gets a "_".
std::string identifier(const std::string & name) {
    std::string out;
    for (size_t i = 0; i < name.size();) {
        char32_t cp = 0;
        size_t n = gofmt::decode_utf8(name, i, cp);
        if (n == 0) n = 1, cp = 0xFFFD;
        char c = cp < 0x80 ? static_cast<char>(cp) : 0;
        if (c == ' ' || c == '-' || c == '.') out += '_';
        else if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$') out += c;
        else if (cp >= 0x80 && cp != 0xFFFD) out.append(name, i, n);  // (Ollama keeps only letters and digits here)
        i += n;
    }
    if (out.empty()) return "unnamed";
    if (std::isdigit(static_cast<unsigned char>(out[0]))) out.insert(out.begin(), '_');
    return out;
}

}  // namespace

std::string harmony_names::add(const std::string & user_name) {
    std::string base = identifier(user_name), name = base;
    // The built-in tools keep their names.
    if (user_name == "browser.open" || user_name == "browser.search" || user_name == "browser.find" ||
        user_name == "python") {
        name = user_name;
    } else {
        for (int n = 2; to_user_.count(name); ++n) name = base + "_" + std::to_string(n);
    }
    to_model_[user_name] = name;
    to_user_[name] = user_name;
    return name;
}

std::string harmony_names::user_name(const std::string & model_name) const {
    auto it = to_user_.find(model_name);
    return it == to_user_.end() ? model_name : it->second;
}

json harmony_tools(const json & tools, harmony_names & names) {
    json out = tools;
    if (!out.is_array()) return out;
    for (auto & t : out) {
        if (!t.is_object() || !t.contains("function") || !t["function"].is_object()) continue;
        auto & fn = t["function"];
        if (fn.contains("name") && fn["name"].is_string() && !fn["name"].get<std::string>().empty()) {
            fn["name"] = names.add(fn["name"].get<std::string>());
        }
    }
    return out;
}

std::unique_ptr<output_parser> make_harmony_parser(harmony_names names, harmony_prefill prefill) {
    return std::make_unique<harmony_parser>(std::move(names), prefill);
}

std::vector<std::string> harmony_preserved_tokens() {
    return {std::string(start_tag), std::string(end_tag), std::string(message_tag), std::string(channel_tag),
            std::string(constrain_tag)};
}

}  // namespace lokal::chat
