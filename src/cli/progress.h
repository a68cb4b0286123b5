// Progress on stderr, drawn as Ollama draws it: a stack of lines, each a
// spinner ("copying file ⠹") or a bar ("pulling 8eeb52df  42% ▕███   ▏ 1.2 GB/2.8 GB  54 MB/s  30s"),
// redrawn in place ten times a second. When stderr is not a terminal nothing
// is drawn at all: a script's stderr then holds only real errors.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace lokal::cli {

using steady_time = std::chrono::steady_clock::time_point;

// A bar's text for a given terminal width and moment; pure, for tests.
struct bar_state {
    std::string message;
    int64_t total = 0;
    int64_t initial = 0;
    int64_t current = 0;
    steady_time started;
    steady_time stopped{};  // epoch: still running
    // (time, value) samples, at most one a second, for the rate.
    std::vector<std::pair<steady_time, int64_t>> samples;

    void set(int64_t value, steady_time now);
    double rate() const;  // bytes per second; 0 when unknown
    std::string render(int width) const;
};

// Ollama's "1h5m" / "59s" / "99h+" for the time left.
std::string eta_text(std::chrono::seconds left);

class progress {
public:
    explicit progress(bool animate);
    ~progress();
    progress(const progress &) = delete;
    progress & operator=(const progress &) = delete;

    // Each returns a handle for the updates below. Adding a line stops the
    // spinners before it (Ollama shows one active status at a time).
    size_t add_spinner(const std::string & message);
    size_t add_bar(const std::string & message, int64_t total, int64_t initial = 0);
    void set_message(size_t id, const std::string & message);
    void set_value(size_t id, int64_t value);

    // Stops animating and leaves the last frame (stop) or erases every line
    // (stop_and_clear). Idempotent; the destructor calls stop().
    void stop();
    void stop_and_clear();

private:
    struct line {
        bool is_bar = false;
        std::string message;
        steady_time started;
        bool spinner_stopped = false;
        bar_state bar;
    };
    void render_locked();
    std::string line_text(const line & l, int width) const;
    void run();
    void finish(bool clear);

    bool animate_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::vector<line> lines_;
    int drawn_ = 0;  // lines on screen from the last render
    bool stopped_ = false;
    std::thread thread_;
};

}  // namespace lokal::cli
