#include "store/modelfile.h"

#include "store/gojson.h"

#include <algorithm>

namespace lokal::store {

namespace {

const char * k_commands_error =
    "command must be one of \"from\", \"license\", \"template\", \"system\", \"adapter\", \"draft\", "
    "\"renderer\", \"parser\", \"parameter\", \"message\", or \"requires\"";

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_space(char c) { return c == ' ' || c == '\t'; }

std::string lower(std::string s) {
    for (char & c : s) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return s;
}

bool is_keyword(const std::string & w) {
    static const char * words[] = {"from",   "license", "template",  "system",  "adapter", "draft",
                                   "renderer", "parser", "parameter", "message", "requires"};
    return std::any_of(std::begin(words), std::end(words), [&](const char * k) { return w == k; });
}

class scanner {
public:
    explicit scanner(std::string text) : s_(std::move(text)) {}

    result<modelfile> run(const modelfile_limits & limits);

private:
    error fail(int line, const std::string & msg) const {
        return make_error(errc::invalid_request, "(line " + std::to_string(line) + "): " + msg);
    }
    bool eof() const { return i_ >= s_.size(); }
    char peek() const { return s_[i_]; }
    void advance() {
        if (s_[i_] == '\n') ++line_;
        ++i_;
    }
    std::string take_while(bool (*pred)(char)) {
        size_t start = i_;
        while (!eof() && pred(peek())) advance();
        return s_.substr(start, i_ - start);
    }
    void skip_spaces() { take_while(is_space); }
    status need_space(int line, const std::string & after);
    result<std::string> value();
    result<std::string> quoted(std::string_view delim);
    result<modelfile_command> instruction();

    std::string s_;
    size_t i_ = 0;
    int line_ = 1;
};

status scanner::need_space(int line, const std::string & after) {
    if (eof() || peek() == '\n') {
        return fail(line, "missing value after " + after);
    }
    if (!is_space(peek())) {
        return fail(line, after == "PARAMETER" || after == "MESSAGE" ? "invalid " + lower(after) + " name"
                                                                      : std::string(k_commands_error));
    }
    skip_spaces();
    return {};
}

// A quoted value: the closing delimiter is the first one followed only by
// whitespace up to the end of its line.
result<std::string> scanner::quoted(std::string_view delim) {
    const int start_line = line_;
    const size_t body = i_ + delim.size();
    for (size_t at = s_.find(delim, body); at != std::string::npos; at = s_.find(delim, at + 1)) {
        size_t k = at + delim.size();
        while (k < s_.size() && is_space(s_[k])) ++k;
        if (k == s_.size() || s_[k] == '\n') {
            std::string v = s_.substr(body, at - body);
            while (i_ < k) advance();
            return v;
        }
    }
    return fail(start_line, "unterminated " + std::string(delim) + " string");
}

result<std::string> scanner::value() {
    if (s_.compare(i_, 3, "\"\"\"") == 0) {
        return quoted("\"\"\"");
    }
    if (!eof() && peek() == '"') {
        return quoted("\"");
    }
    size_t end = s_.find('\n', i_);
    if (end == std::string::npos) end = s_.size();
    std::string v = s_.substr(i_, end - i_);
    i_ = end;
    while (!v.empty() && is_space(v.back())) v.pop_back();
    return v;
}

result<modelfile_command> scanner::instruction() {
    modelfile_command cmd;
    cmd.line = line_;
    std::string word = take_while(is_alpha);
    std::string kw = lower(word);
    if (word.empty() || !is_keyword(kw)) {
        return fail(cmd.line, k_commands_error);
    }
    std::string upper_kw = word;
    std::transform(upper_kw.begin(), upper_kw.end(), upper_kw.begin(), [](char c) {
        return static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    });
    if (auto st = need_space(cmd.line, upper_kw); !st) return st.err();
    if (kw == "parameter") {
        cmd.name = take_while([](char c) { return is_alpha(c) || (c >= '0' && c <= '9') || c == '_'; });
        if (cmd.name.empty()) return fail(cmd.line, "invalid parameter name");
        cmd.is_parameter = true;
        if (auto st = need_space(cmd.line, "PARAMETER"); !st) return st.err();
    } else if (kw == "message") {
        cmd.name = "message";
        cmd.role = take_while(is_alpha);
        if (cmd.role != "system" && cmd.role != "user" && cmd.role != "assistant") {
            return fail(cmd.line, "message role must be one of \"system\", \"user\", or \"assistant\"");
        }
        if (auto st = need_space(cmd.line, "MESSAGE"); !st) return st.err();
    } else {
        cmd.name = kw == "from" ? "model" : kw;
    }
    auto v = value();
    if (!v) return v.err();
    cmd.args = std::move(*v);
    return cmd;
}

result<modelfile> scanner::run(const modelfile_limits & limits) {
    modelfile mf;
    if (s_.compare(0, 3, "\xef\xbb\xbf") == 0) i_ = 3;
    for (;;) {
        while (!eof() && (is_space(peek()) || peek() == '\n')) advance();
        if (eof()) break;
        if (peek() == '#') {
            while (!eof() && peek() != '\n') advance();
            continue;
        }
        auto cmd = instruction();
        if (!cmd) return cmd.err();
        if (mf.commands.size() >= limits.max_commands) {
            return fail(cmd->line, "more than " + std::to_string(limits.max_commands) + " instructions");
        }
        mf.commands.push_back(std::move(*cmd));
    }
    if (std::none_of(mf.commands.begin(), mf.commands.end(), [](const auto & c) { return c.name == "model"; })) {
        return make_error(errc::invalid_request, "no FROM line");
    }
    return mf;
}

// Go's %v of a JSON-decoded value.
std::string plain_value(const json & v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number()) return go_format_float(v.get<double>());
    if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
    if (v.is_null()) return "<nil>";
    return v.dump();
}

// Go's %#v of a JSON-decoded value.
std::string go_syntax_value(const json & v) {
    if (v.is_string()) return go_quote(v.get<std::string>());
    if (v.is_null()) return "<nil>";
    return plain_value(v);
}

std::string string_field(const json & obj, const char * key) {
    if (!obj.is_object()) return {};
    auto it = obj.find(key);
    return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::vector<std::string> sorted_keys(const json & obj) {
    std::vector<std::string> keys;
    if (obj.is_object()) {
        for (auto it = obj.begin(); it != obj.end(); ++it) keys.push_back(it.key());
    }
    std::sort(keys.begin(), keys.end());
    return keys;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> modelfile::parameters() const {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto & c : commands) {
        if (c.is_parameter) out.emplace_back(c.name, c.args);
    }
    return out;
}

result<modelfile> parse_modelfile(std::string_view text, const modelfile_limits & limits) {
    if (text.size() > limits.max_bytes) {
        return make_error(errc::invalid_request, "Modelfile is larger than " + std::to_string(limits.max_bytes) + " bytes");
    }
    std::string normalised;
    normalised.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
        normalised.push_back(text[i] == '\r' ? '\n' : text[i]);
    }
    scanner sc(std::move(normalised));
    return sc.run(limits);
}

std::string quote_modelfile_value(std::string_view s) {
    bool multi = s.find('\n') != std::string_view::npos || (!s.empty() && (s.front() == ' ' || s.back() == ' '));
    if (!multi) return std::string(s);
    if (s.find('"') != std::string_view::npos) return "\"\"\"" + std::string(s) + "\"\"\"";
    return "\"" + std::string(s) + "\"";
}

std::string render_modelfile(const modelfile_view & v) {
    std::string out = "# Modelfile generated by \"ollama show\"\n"
                      "# To build a new Modelfile based on this, replace FROM with:\n"
                      "# FROM " + v.short_name + "\n\n";
    auto line = [&](const char * kw, std::string_view arg) { out += std::string(kw) + " " + quote_modelfile_value(arg) + "\n"; };
    out += "FROM " + v.model_path + "\n";
    for (const auto & a : v.adapter_paths) line("ADAPTER", a);
    if (!v.projector_path.empty()) out += "FROM " + v.projector_path + "\n";
    if (!v.draft_path.empty()) line("DRAFT", v.draft_path);
    if (!v.template_text.empty()) line("TEMPLATE", v.template_text);
    if (!v.system.empty()) line("SYSTEM", v.system);
    if (!v.renderer.empty()) line("RENDERER", v.renderer);
    if (!v.parser.empty()) line("PARSER", v.parser);
    for (const auto & k : sorted_keys(v.params)) {
        const json & val = v.params[k];
        if (val.is_array()) {
            for (const auto & e : val) out += "PARAMETER " + k + " " + quote_modelfile_value(plain_value(e)) + "\n";
        } else {
            out += "PARAMETER " + k + " " + quote_modelfile_value(plain_value(val)) + "\n";
        }
    }
    for (const auto & l : v.license) line("LICENSE", l);
    if (v.messages.is_array()) {
        for (const auto & m : v.messages) {
            out += "MESSAGE " + string_field(m, "role") + " " + quote_modelfile_value(string_field(m, "content")) + "\n";
        }
    }
    return out;
}

std::string format_parameters(const json & params) {
    std::string out;
    auto add = [&](const std::string & key, const json & val) {
        if (!out.empty()) out += "\n";
        std::string k = key;
        if (k.size() < 30) k.append(30 - k.size(), ' ');
        out += k + " " + go_syntax_value(val);
    };
    for (const auto & k : sorted_keys(params)) {
        const json & val = params[k];
        if (val.is_array()) {
            for (const auto & e : val) add(k, e);
        } else {
            add(k, val);
        }
    }
    return out;
}

}  // namespace lokal::store
