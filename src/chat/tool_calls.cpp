#include "chat/tool_calls.h"

#include <algorithm>

namespace lokal::chat {

namespace {

bool blank(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; });
}

// An object's value under key as arguments: an object, or a string holding one.
bool object_at(const json & obj, const std::string & key, json & out) {
    auto it = obj.find(key);
    if (it == obj.end()) return false;
    if (it->is_object()) {
        out = *it;
        return true;
    }
    if (it->is_string()) {
        json parsed = json::parse(it->get<std::string>(), nullptr, false);
        if (parsed.is_object()) {
            out = std::move(parsed);
            return true;
        }
    }
    return false;
}

// Where the arguments sit in a parsed object. found without args: an object
// with "name" but no arguments (not a call yet, as in Ollama).
bool find_in_object(const json & obj, const std::string & name, json & args, int depth) {
    if (depth > 64) return false;
    if (obj.contains("name")) {
        if (object_at(obj, "arguments", args) || object_at(obj, "parameters", args)) return true;
        args = nullptr;
        return true;
    }
    if (object_at(obj, name, args)) return true;
    for (const auto & [k, v] : obj.items()) {
        if (v.is_object() && find_in_object(v, name, args, depth + 1)) return true;
        if (v.is_array()) {
            for (const auto & item : v) {
                if (item.is_object() && find_in_object(item, name, args, depth + 1)) return true;
            }
        }
    }
    return false;
}

// Tracks JSON string literals while scanning text a character at a time, so
// brackets inside strings are not counted.
struct json_strings {
    bool in_string = false;
    bool escaped = false;

    // True when c is to be skipped: part of a string literal (quotes
    // included) or an escape.
    bool inside(char c) {
        if (escaped) {
            escaped = false;
            return true;
        }
        if (c == '\\') {
            escaped = true;
            return true;
        }
        if (c == '"') {
            in_string = !in_string;
            return true;
        }
        return in_string;
    }
};

}  // namespace

size_t find_arguments(std::string_view text, const std::string & name, json & args) {
    size_t start = std::string_view::npos;
    int braces = 0;
    json_strings strings;
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (strings.inside(c)) continue;
        if (c == '{') {
            if (braces == 0) start = i;
            ++braces;
        } else if (c == '}') {
            --braces;
            if (braces == 0 && start != std::string_view::npos) {
                json obj = json::parse(text.substr(start, i + 1 - start), nullptr, false);
                if (!obj.is_object()) {
                    start = std::string_view::npos;  // not JSON after all: keep looking
                    continue;
                }
                if (!find_in_object(obj, name, args, 0)) args = std::move(obj);
                return i;
            }
            braces = std::max(braces, 0);
        }
    }
    return std::string_view::npos;
}

tool_call_parser::tool_call_parser(std::string tag, std::vector<std::string> tool_names)
    : tag_(std::move(tag)), names_(std::move(tool_names)) {
    if (tag_.empty()) tag_ = "{";
}

tool_call_parser::parsed tool_call_parser::add(std::string_view text) {
    parsed out;
    if (state_ == state::done) {
        out.content = std::string(text);
        return out;
    }
    buf_.append(text);
    if (state_ == state::looking_for_tag) {
        size_t at = buf_.find(tag_);
        bool found = at != std::string::npos;
        if (!found) {
            // Hold back a tail that may be the start of the tag.
            at = buf_.size();
            for (size_t n = std::min(buf_.size(), tag_.size()); n > 0; --n) {
                if (buf_.compare(buf_.size() - n, n, tag_, 0, n) == 0) {
                    at = buf_.size() - n;
                    break;
                }
            }
        }
        out.content = buf_.substr(0, at);
        buf_.erase(0, at);
        if ((tag_ == "{" || tag_ == "[") && !blank(out.content)) {
            state_ = state::done;
            out.content += buf_;
            buf_.clear();
            return out;
        }
        if (!found) return out;
        state_ = state::calling;
    }
    json call;
    while (find_call(call)) out.calls.push_back(std::move(call));
    if (braces_closed()) {
        state_ = state::done;
        out.content += buf_;
        buf_.clear();
    }
    return out;
}

// The next complete call in the buffer, consumed from it.
bool tool_call_parser::find_call(json & call) {
    if (buf_.empty()) return false;
    // A tail that may still grow into a tool's name: wait ("get" vs "get_weather").
    size_t longest = 0;
    for (const auto & n : names_) longest = std::max(longest, n.size());
    for (size_t i = 1; i <= std::min(buf_.size(), longest); ++i) {
        std::string_view tail(buf_.data() + buf_.size() - i, i);
        for (const auto & n : names_) {
            if (tail.size() < n.size() && n.compare(0, tail.size(), tail) == 0) return false;
        }
    }
    // The earliest name in the buffer; the longest one where several start there.
    const std::string * name = nullptr;
    size_t start = std::string::npos;
    for (const auto & n : names_) {
        size_t pos = buf_.find(n);
        if (pos == std::string::npos || n.empty()) continue;
        if (name && (pos > start || (pos == start && n.size() <= name->size()))) continue;
        name = &n;
        start = pos;
    }
    if (!name) return false;
    size_t end = start + name->size();
    json args;
    size_t close = find_arguments(buf_, *name, args);
    if (close == std::string::npos || args.is_null()) return false;
    end = std::max(end, close);
    call = json{{"name", *name}, {"arguments", args.is_object() ? args : json::object()}, {"index", n_++}};
    buf_.erase(0, end);
    return true;
}

// For "{" and "[" tags: the bracket that opened the output has closed, so
// what follows is plain text again.
bool tool_call_parser::braces_closed() const {
    char open = 0, close = 0;
    if (tag_ == "{") open = '{', close = '}';
    else if (tag_ == "[") open = '[', close = ']';
    else return false;
    int count = 0;
    json_strings strings;
    for (char c : buf_) {
        if (strings.inside(c)) continue;
        if (c == open) ++count;
        else if (c == close && --count == 0) return true;
    }
    return false;
}

std::string tool_call_parser::finish() const {
    if (n_ > 0) return "";
    if (tag_ == "{" || tag_ == "[") return buf_;
    return "";
}

}  // namespace lokal::chat
