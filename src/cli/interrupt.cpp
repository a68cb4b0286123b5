#include "cli/interrupt.h"

#include <cerrno>
#include <csignal>
#include <mutex>
#include <thread>
#include <unistd.h>

namespace lokal::cli {

namespace {

// Signals are process-wide, so this one piece of state is too: the action of
// the innermost live scope. A signal handler may only write to a pipe; the
// watcher thread does the real work outside signal context.
struct watcher_state {
    std::mutex mutex;
    std::function<void()> action;
    std::atomic<bool> * fired = nullptr;
    int pipe_fds[2] = {-1, -1};
};

watcher_state & state() {
    static watcher_state s;
    return s;
}

void on_sigint(int) {
    const char byte = 1;
    [[maybe_unused]] auto n = ::write(state().pipe_fds[1], &byte, 1);
}

void watch() {
    char byte;
    while (true) {
        ssize_t n = ::read(state().pipe_fds[0], &byte, 1);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        std::lock_guard<std::mutex> lock(state().mutex);
        if (state().action) {
            if (state().fired) *state().fired = true;
            state().action();
            continue;
        }
        // No scope: behave as if we had never installed a handler.
        std::signal(SIGINT, SIG_DFL);
        std::raise(SIGINT);
    }
}

void install_once() {
    static std::once_flag once;
    std::call_once(once, [] {
        if (::pipe(state().pipe_fds) != 0) return;
        std::thread(watch).detach();
        struct sigaction sa {};
        sa.sa_handler = on_sigint;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_RESTART;
        sigaction(SIGINT, &sa, nullptr);
    });
}

}  // namespace

interrupt_scope::interrupt_scope(std::function<void()> on_interrupt) {
    install_once();
    std::lock_guard<std::mutex> lock(state().mutex);
    previous_action_ = std::move(state().action);
    previous_fired_ = state().fired;
    state().action = std::move(on_interrupt);
    state().fired = &fired_;
}

interrupt_scope::~interrupt_scope() {
    std::lock_guard<std::mutex> lock(state().mutex);
    state().action = std::move(previous_action_);
    state().fired = previous_fired_;
}

bool interrupt_scope::fired() const { return fired_; }

}  // namespace lokal::cli
