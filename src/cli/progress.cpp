#include "cli/progress.h"

#include "cli/format.h"
#include "cli/terminal.h"

#include <cmath>
#include <cstdio>
#include <unistd.h>

namespace lokal::cli {

namespace {

constexpr auto tick = std::chrono::milliseconds(100);
const char * const spinner_frames[] = {"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"};

std::string left_pad(const std::string & s, size_t width) {
    return s.size() >= width ? s : std::string(width - s.size(), ' ') + s;
}

std::string trim(const std::string & s) {
    size_t b = s.find_first_not_of(" \t\n");
    if (b == std::string::npos) return "";
    size_t e = s.find_last_not_of(" \t\n");
    return s.substr(b, e - b + 1);
}

std::string repeat(const char * s, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += s;
    return out;
}

double whole_seconds(steady_time::duration d) {
    return std::round(std::chrono::duration<double>(d).count());
}

}  // namespace

std::string eta_text(std::chrono::seconds left) {
    using namespace std::chrono;
    if (left >= hours(100)) return "99h+";
    if (left >= hours(1)) {
        return std::to_string(duration_cast<hours>(left).count()) + "h" +
               std::to_string(duration_cast<minutes>(left).count() % 60) + "m";
    }
    return go_duration(duration_cast<nanoseconds>(left).count());
}

void bar_state::set(int64_t value, steady_time now) {
    current = std::min(value, total);
    if (current >= total && stopped == steady_time{}) stopped = now;
    if (samples.empty() || now - samples.back().first > std::chrono::seconds(1)) {
        samples.emplace_back(now, current);
        if (samples.size() > 10) samples.erase(samples.begin());
    }
}

double bar_state::rate() const {
    double bytes = 0, seconds = 0;
    if (stopped != steady_time{}) {
        bytes = static_cast<double>(current - initial);
        seconds = whole_seconds(stopped - started);
    } else if (samples.size() == 1) {
        bytes = static_cast<double>(samples[0].second - initial);
        seconds = whole_seconds(samples[0].first - started);
    } else if (samples.size() > 1) {
        bytes = static_cast<double>(samples.back().second - samples.front().second);
        seconds = whole_seconds(samples.back().first - samples.front().first);
    }
    return seconds > 0 ? bytes / seconds : 0;
}

std::string bar_state::render(int width) const {
    const double percent = total > 0 ? static_cast<double>(current) / static_cast<double>(total) * 100 : 0;
    const bool running = stopped == steady_time{};
    char pct[16];
    std::snprintf(pct, sizeof pct, "%3.0f%%", percent);
    std::string pre = message.empty() ? pct : trim(message) + " " + pct;

    std::string suf;
    if (running) {
        suf = left_pad(human_bytes(current), 6) + "/" + left_pad(human_bytes(total), 6);
    } else {
        suf = left_pad(human_bytes(total), 6) + std::string(7, ' ');
    }
    const double r = rate();
    if (running && r > 0) {
        suf += "  " + left_pad(human_bytes(static_cast<int64_t>(r)), 6) + "/s";
        const auto left = std::chrono::seconds(static_cast<int64_t>(static_cast<double>(total - current) / r));
        suf += "  " + left_pad(eta_text(left), 6);
    } else {
        suf += std::string(18, ' ');
    }

    // Room for the bar: two boundary glyphs and a space on each side.
    const int room = width - static_cast<int>(display_width(pre) + display_width(suf)) - 5;
    const int filled = room > 0 ? static_cast<int>(room * percent / 100) : 0;
    return pre + " ▕" + repeat("█", filled) + std::string(std::max(0, room - filled), ' ') + "▏ " + suf;
}

progress::progress(bool animate) : animate_(animate) {
    if (animate_) thread_ = std::thread([this] { run(); });
}

progress::~progress() { stop(); }

size_t progress::add_spinner(const std::string & message) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto & l : lines_) {
        if (!l.is_bar) l.spinner_stopped = true;
    }
    line l;
    l.message = message;
    l.started = std::chrono::steady_clock::now();
    lines_.push_back(l);
    return lines_.size() - 1;
}

size_t progress::add_bar(const std::string & message, int64_t total, int64_t initial) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto & other : lines_) {
        if (!other.is_bar) other.spinner_stopped = true;
    }
    line l;
    l.is_bar = true;
    l.started = std::chrono::steady_clock::now();
    l.bar.message = message;
    l.bar.total = total;
    l.bar.initial = initial;
    l.bar.current = initial;
    l.bar.started = l.started;
    if (initial >= total) l.bar.stopped = l.started;
    lines_.push_back(l);
    return lines_.size() - 1;
}

void progress::set_message(size_t id, const std::string & message) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (id < lines_.size()) lines_[id].message = message;
}

void progress::set_value(size_t id, int64_t value) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (id >= lines_.size() || !lines_[id].is_bar) return;
    lines_[id].bar.set(value, std::chrono::steady_clock::now());
}

std::string progress::line_text(const line & l, int width) const {
    if (l.is_bar) return l.bar.render(width);
    std::string out;
    if (!trim(l.message).empty()) out = trim(l.message) + " ";
    if (!l.spinner_stopped && !stopped_) {
        const auto elapsed = std::chrono::steady_clock::now() - l.started;
        const auto frame = static_cast<size_t>(elapsed / tick) % std::size(spinner_frames);
        out += std::string(spinner_frames[frame]) + " ";
    }
    return out;
}

void progress::render_locked() {
    const int width = terminal_width(STDERR_FILENO);
    const int height = terminal_height(STDERR_FILENO);
    // Synchronized output (where supported) and a hidden cursor avoid flicker.
    std::string out = "\x1b[?2026h\x1b[?25l";
    for (int i = 0; i + 1 < drawn_; ++i) out += "\x1b[A";
    out += "\x1b[1G";
    const size_t first = lines_.size() > static_cast<size_t>(height) ? lines_.size() - height : 0;
    for (size_t i = first; i < lines_.size(); ++i) {
        out += line_text(lines_[i], width) + "\x1b[K";
        if (i + 1 < lines_.size()) out += "\n";
    }
    out += "\x1b[?25h\x1b[?2026l";
    drawn_ = static_cast<int>(lines_.size() - first);
    write_fd(STDERR_FILENO, out);
}

void progress::run() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stopped_) {
        wake_.wait_for(lock, tick);
        if (!stopped_) render_locked();
    }
}

void progress::finish(bool clear) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (stopped_) return;
        stopped_ = true;
        for (auto & l : lines_) l.spinner_stopped = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
    if (!animate_) return;
    std::lock_guard<std::mutex> lock(mutex_);
    if (clear) {
        std::string out = "\x1b[?25l";
        for (int i = 0; i < drawn_; ++i) out += std::string(i > 0 ? "\x1b[A" : "") + "\x1b[2K\x1b[1G";
        write_fd(STDERR_FILENO, out + "\x1b[?25h");
    } else if (!lines_.empty()) {
        render_locked();
        write_fd(STDERR_FILENO, "\n");
    }
}

void progress::stop() { finish(false); }
void progress::stop_and_clear() { finish(true); }

}  // namespace lokal::cli
