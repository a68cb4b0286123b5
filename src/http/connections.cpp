#include "http/connections.h"

#include "http/worker_pool.h"

#include <sys/socket.h>
#include <unistd.h>

#include <string>

// The accepted socket is the one thing cpp-httplib hands its task queue
// without naming it. The link wraps accept4 (-Wl,--wrap=accept4, set on
// lokal_http in CMake); httplib's accept loop calls it and then, on the same
// thread, enqueues the connection, so a thread-local carries the descriptor
// from one to the other. Without the wrap the descriptor is unknown: limits
// still count, deadlines are not enforced.
namespace {
thread_local int last_accepted_fd = -1;
}

extern "C" int __real_accept4(int fd, sockaddr * addr, socklen_t * len, int flags);
extern "C" int __wrap_accept4(int fd, sockaddr * addr, socklen_t * len, int flags) {
    int s = __real_accept4(fd, addr, len, flags);
    last_accepted_fd = s;
    return s;
}

namespace lokal::http::detail {

namespace {

using clock = std::chrono::steady_clock;
constexpr int64_t no_deadline = INT64_MAX;

int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(clock::now().time_since_epoch()).count();
}

}  // namespace

struct connection {
    int fd = -1;                  // our dup of the socket: shutdown() through it is safe from any thread
    bool streamed = false;
    bool evicted = false;         // closed to make room for a newer connection (table mutex)
    // Since when the connection waits for a request (accepted, or its last
    // answer written); no_deadline while a request is being served.
    std::atomic<int64_t> waiting_since{no_deadline};
    std::atomic<int64_t> deadline{no_deadline};
    // The order of acceptance: breaks ties between connections waiting since
    // the same millisecond, so the one accepted first goes first.
    uint64_t opened = 0;
    const connection_limits * limits = nullptr;

    void expire_in(std::chrono::milliseconds d) { deadline = now_ms() + d.count(); }
    void wait_for_request(std::chrono::milliseconds d) {
        waiting_since = now_ms();
        expire_in(d);
    }
};

namespace {
thread_local connection * current = nullptr;
}

class guarded_queue final : public httplib::TaskQueue {
public:
    guarded_queue(connection_table & table, size_t max_threads)
        : table_(table), pool_(8, max_threads) {}

    bool enqueue(std::function<void()> fn) override {
        int fd = last_accepted_fd;
        last_accepted_fd = -1;
        auto conn = table_.open(fd);
        if (!conn) {
            table_.refuse(fd);
            return false;  // cpp-httplib closes the socket
        }
        bool ok = pool_.enqueue([this, conn, fn = std::move(fn)] {
            current = conn.get();
            fn();
            current = nullptr;
            table_.close(conn);
        });
        if (!ok) table_.close(conn);
        return ok;
    }
    void shutdown() override { pool_.shutdown(); }

private:
    connection_table & table_;
    worker_pool pool_;
};

connection_table::connection_table(connection_limits limits) : limits_(limits) {
    watchdog_ = std::thread([this] { watch(); });
}

connection_table::~connection_table() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    watchdog_.join();
    for (const auto & c : conns_) {
        if (c->fd >= 0) ::close(c->fd);
    }
}

httplib::TaskQueue * connection_table::make_queue() {
    // A thread for every allowed connection, plus a few for evicted ones
    // still unwinding.
    return new guarded_queue(*this, static_cast<size_t>(limits_.max_connections) + 32);
}

std::shared_ptr<connection> connection_table::open(int fd) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (admitted_ >= limits_.max_connections && !make_room()) return nullptr;
    auto c = std::make_shared<connection>();
    c->fd = fd >= 0 ? ::dup(fd) : -1;
    c->limits = &limits_;
    c->opened = ++opened_count_;
    c->wait_for_request(limits_.header_timeout);
    conns_.insert(c);
    ++admitted_;
    open_.fetch_add(1);
    return c;
}

// Closes the connection that has waited longest for a request. Its worker's
// read fails and the worker ends, as when a deadline passes; until then it
// still holds a thread (the pool's spare ones).
bool connection_table::make_room() {
    connection * oldest = nullptr;
    for (const auto & c : conns_) {
        int64_t since = c->waiting_since.load();
        if (c->evicted || c->fd < 0 || since == no_deadline) continue;
        int64_t oldest_since = oldest ? oldest->waiting_since.load() : 0;
        if (!oldest || since < oldest_since || (since == oldest_since && c->opened < oldest->opened)) oldest = c.get();
    }
    if (!oldest) return false;
    ::shutdown(oldest->fd, SHUT_RDWR);
    oldest->evicted = true;
    oldest->deadline = no_deadline;
    --admitted_;
    return true;
}

// Every open connection is busy: say so at once, without a worker. The
// accept loop must not block, so this is one non-blocking send; a request
// the client already sent is read first, so that closing the socket does not
// reset the connection before the answer is read.
void connection_table::refuse(int fd) const {
    if (fd < 0) return;
    char sink[4096];
    for (int i = 0; i < 16 && ::recv(fd, sink, sizeof sink, MSG_DONTWAIT) > 0; ++i) {
    }
    if (limits_.tls) return;
    const std::string body = "{\"error\":\"server busy: too many open connections (LOKAL_MAX_CONNECTIONS=" +
                             std::to_string(limits_.max_connections) + ")\"}";
    const std::string head = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json; charset=utf-8\r\n"
                             "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
    const std::string all = head + body;
    [[maybe_unused]] ssize_t n = ::send(fd, all.data(), all.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
}

void connection_table::close(const std::shared_ptr<connection> & c) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (c->fd >= 0) ::close(c->fd);
    c->fd = -1;
    if (!c->evicted) --admitted_;
    conns_.erase(c);
    open_.fetch_sub(1);
}

void connection_table::watch() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stopping_) {
        wake_.wait_for(lock, std::chrono::milliseconds(200));
        int64_t now = now_ms();
        for (const auto & c : conns_) {
            if (c->fd >= 0 && c->deadline.load() < now) {
                // Ends the worker's blocking read or write; it then closes.
                ::shutdown(c->fd, SHUT_RDWR);
                c->deadline = no_deadline;
            }
        }
    }
}

void connection_table::headers_read() {
    if (!current) return;
    current->waiting_since = no_deadline;
    current->deadline = no_deadline;
}

void connection_table::body_read(bool started) {
    if (!current) return;
    if (started) current->expire_in(current->limits->body_timeout);
    else current->deadline = no_deadline;
}

void connection_table::stream_started() {
    if (current) current->streamed = true;
}

void connection_table::response_written() {
    // A whole body follows at once; the next request must come in time. A
    // streamed body takes as long as it takes (stream_finished()).
    if (current && !current->streamed) current->wait_for_request(current->limits->idle_timeout + current->limits->header_timeout);
}

void connection_table::stream_finished() {
    if (!current) return;
    current->streamed = false;
    current->wait_for_request(current->limits->idle_timeout + current->limits->header_timeout);
}

}  // namespace lokal::http::detail
