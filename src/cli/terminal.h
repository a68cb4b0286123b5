// The few terminal facts the CLI needs: is this stream a terminal, how wide
// is it, and a raw-mode switch for the line editor.
#pragma once

#include <memory>
#include <string>

namespace lokal::cli {

bool stdin_is_tty();
bool stdout_is_tty();
bool stderr_is_tty();

// Columns of the terminal on fd; fallback when it is not a terminal.
int terminal_width(int fd, int fallback = 80);
int terminal_height(int fd, int fallback = 24);

// Puts stdin into raw mode (no echo, no line buffering, no signals from
// Ctrl+C) for its lifetime and restores the previous mode afterwards.
class raw_mode {
public:
    raw_mode();
    ~raw_mode();
    raw_mode(const raw_mode &) = delete;
    raw_mode & operator=(const raw_mode &) = delete;
    bool ok() const { return ok_; }

private:
    struct saved;
    std::unique_ptr<saved> saved_;
    bool ok_ = false;
};

// Writes all of s to fd (retrying short writes), unbuffered.
void write_fd(int fd, const std::string & s);

}  // namespace lokal::cli
