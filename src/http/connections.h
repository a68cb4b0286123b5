// Connection limits cpp-httplib does not have: a cap on open connections and
// whole-phase deadlines against slow clients (slowloris). cpp-httplib's own
// timeouts are per recv(), so a client sending one byte a second would hold a
// worker forever.
//
// The cap is enforced at accept, on the accepting thread, so a connection past
// it never waits for a worker: if some open connection is only waiting for a
// request (just accepted, or kept alive after an answer), the one waiting
// longest is closed to make room (as nginx reuses idle keep-alive
// connections); if every open connection is busy, the new one is answered
// 503 and closed at once. Idle sockets therefore cannot keep active clients
// out, however many there are.
//
// Each accepted connection gets a record with a deadline; a watchdog thread
// shuts down the socket of any record past its deadline, which ends the
// worker's blocking read. The phases, set from the worker thread:
//   accepted          deadline = now + header_timeout (TLS handshake, request line, headers)
//   headers read      no deadline (the route runs; JSON bodies set body_timeout while read)
//   response written  deadline = now + idle_timeout + header_timeout (the next request)
// Internal to http/ (it speaks cpp-httplib).
#pragma once

#include <cpp-httplib/httplib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

namespace lokal::http::detail {

struct connection_limits {
    int max_connections = 256;
    bool tls = false;  // refuse without a plain-text 503 (the client expects a handshake)
    std::chrono::milliseconds header_timeout{10'000};
    std::chrono::milliseconds body_timeout{60'000};
    std::chrono::milliseconds idle_timeout{5'000};
};

struct connection;

class connection_table {
public:
    explicit connection_table(connection_limits limits);
    ~connection_table();
    connection_table(const connection_table &) = delete;
    connection_table & operator=(const connection_table &) = delete;

    // The task queue cpp-httplib runs connections on (it takes ownership).
    httplib::TaskQueue * make_queue();
    const connection_limits & limits() const { return limits_; }
    int open_count() const { return open_.load(); }

    // Called on the worker thread that serves the current connection; no-ops
    // outside one.
    static void headers_read();
    static void body_read(bool started);   // brackets the read of a JSON body
    static void stream_started();          // the route answers with a streamed body
    static void response_written();        // headers (and a whole body) go out now
    static void stream_finished();

private:
    friend class guarded_queue;
    // A record for an accepted socket, or null when the cap is reached and no
    // waiting connection can give way (the caller then refuses the socket).
    std::shared_ptr<connection> open(int fd);
    void close(const std::shared_ptr<connection> & c);
    bool make_room();  // with mutex_ held
    void refuse(int fd) const;
    void watch();

    connection_limits limits_;
    std::atomic<int> open_{0};  // records, evicted ones included until their worker ends
    uint64_t opened_count_ = 0;  // connections accepted so far (mutex_)
    int admitted_ = 0;          // records not evicted; at most max_connections (mutex_)
    std::mutex mutex_;
    std::condition_variable wake_;
    std::set<std::shared_ptr<connection>> conns_;
    bool stopping_ = false;
    std::thread watchdog_;
};

}  // namespace lokal::http::detail
