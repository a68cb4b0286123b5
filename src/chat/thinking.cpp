#include "chat/thinking.h"

namespace lokal::chat {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

std::string trim_left(std::string_view s) {
    size_t i = 0;
    while (i < s.size() && is_space(s[i])) ++i;
    return std::string(s.substr(i));
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// Length of the longest suffix of s that is a proper start of tag.
size_t overlap(std::string_view s, std::string_view tag) {
    for (size_t n = std::min(s.size(), tag.size()); n > 0; --n) {
        if (s.substr(s.size() - n) == tag.substr(0, n)) return n;
    }
    return 0;
}

}  // namespace

thinking_parser::split thinking_parser::add(std::string_view text) {
    acc_.append(text);
    split out;
    while (step(out)) {
    }
    return out;
}

// One state transition; true when another may follow without more input.
bool thinking_parser::step(split & out) {
    switch (state_) {
    case state::looking_for_open: {
        std::string trimmed = trim_left(acc_);
        if (starts_with(trimmed, open_)) {
            acc_ = trim_left(std::string_view(trimmed).substr(open_.size()));
            state_ = acc_.empty() ? state::eating_space_after_open : state::thinking;
            return true;
        }
        if (starts_with(open_, trimmed)) return false;  // blank, or a partial tag: wait
        state_ = state::done;                            // no thinking: all of it is content
        out.content += acc_;
        acc_.clear();
        return false;
    }
    case state::eating_space_after_open:
        acc_ = trim_left(acc_);
        if (acc_.empty()) return false;
        state_ = state::thinking;
        return true;
    case state::thinking: {
        size_t at = acc_.find(close_);
        if (at != std::string::npos) {
            out.thinking += acc_.substr(0, at);
            std::string rest = trim_left(std::string_view(acc_).substr(at + close_.size()));
            state_ = rest.empty() ? state::done_eating_space : state::done;
            out.content += rest;
            acc_.clear();
            return false;
        }
        size_t keep = overlap(acc_, close_);
        out.thinking += acc_.substr(0, acc_.size() - keep);
        acc_.erase(0, acc_.size() - keep);
        return false;
    }
    case state::done_eating_space: {
        std::string rest = trim_left(acc_);
        acc_.clear();
        if (!rest.empty()) state_ = state::done;
        out.content += rest;
        return false;
    }
    case state::done:
        out.content += acc_;
        acc_.clear();
        return false;
    }
    return false;
}

thinking_parser::split thinking_parser::finish() {
    split out;
    if (state_ == state::thinking) {
        out.thinking = std::move(acc_);
    } else if (state_ == state::looking_for_open) {
        out.content = std::move(acc_);  // a lone partial tag is text after all
    }
    acc_.clear();
    return out;
}

std::string strip_thinking(std::string_view text, const std::string & open, const std::string & close) {
    thinking_parser p(open, close);
    auto a = p.add(text);
    auto b = p.finish();
    // Unclosed thinking stays out too: only content survives.
    return a.content + b.content;
}

}  // namespace lokal::chat
