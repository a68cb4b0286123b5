#include "cli/terminal.h"

#include <cerrno>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

namespace lokal::cli {

bool stdin_is_tty() { return isatty(STDIN_FILENO) == 1; }
bool stdout_is_tty() { return isatty(STDOUT_FILENO) == 1; }
bool stderr_is_tty() { return isatty(STDERR_FILENO) == 1; }

int terminal_width(int fd, int fallback) {
    winsize ws{};
    if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
    return fallback;
}

int terminal_height(int fd, int fallback) {
    winsize ws{};
    if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0) return ws.ws_row;
    return fallback;
}

struct raw_mode::saved {
    termios original;
};

raw_mode::raw_mode() {
    termios t{};
    if (tcgetattr(STDIN_FILENO, &t) != 0) return;
    saved_ = std::make_unique<saved>(saved{t});
    // Output post-processing stays on, so "\n" still moves to column 0.
    t.c_iflag &= ~static_cast<tcflag_t>(BRKINT | ICRNL | INPCK | ISTRIP | IXON);
    t.c_cflag |= CS8;
    t.c_lflag &= ~static_cast<tcflag_t>(ECHO | ICANON | IEXTEN | ISIG);
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    ok_ = tcsetattr(STDIN_FILENO, TCSADRAIN, &t) == 0;
}

raw_mode::~raw_mode() {
    // TCSADRAIN, not TCSAFLUSH: typed-ahead or pasted input must survive.
    if (saved_) tcsetattr(STDIN_FILENO, TCSADRAIN, &saved_->original);
}

void write_fd(int fd, const std::string & s) {
    size_t off = 0;
    while (off < s.size()) {
        ssize_t n = ::write(fd, s.data() + off, s.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        off += static_cast<size_t>(n);
    }
}

}  // namespace lokal::cli
