// Ctrl+C for a client: while an interrupt_scope lives, SIGINT runs its
// action (typically client::cancel(), which closes the HTTP stream) on a
// watcher thread instead of killing the process. Outside any scope SIGINT
// keeps its default meaning.
#pragma once

#include <atomic>
#include <functional>

namespace lokal::cli {

class interrupt_scope {
public:
    explicit interrupt_scope(std::function<void()> on_interrupt);
    ~interrupt_scope();
    interrupt_scope(const interrupt_scope &) = delete;
    interrupt_scope & operator=(const interrupt_scope &) = delete;

    bool fired() const;  // Ctrl+C arrived while this scope was active

private:
    std::atomic<bool> fired_{false};
    std::function<void()> previous_action_;  // scopes nest: the outer one comes back
    std::atomic<bool> * previous_fired_ = nullptr;
};

}  // namespace lokal::cli
