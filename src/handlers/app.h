// The server object: owns the store, the scheduler and the HTTP server.
// Tests may create as many as they like, each with its own models dir and port.
#pragma once

#include "config/config.h"
#include "core/result.h"

#include <memory>

namespace lokal::handlers {

class app {
public:
    explicit app(config::settings cfg);
    ~app();

    status bind();     // binds cfg.host:cfg.port (port 0: a free one)
    int port() const;
    status serve();    // blocks until stop()
    void stop();       // safe from a signal-watching thread

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

// `lokal serve`: loads nothing eagerly, serves until SIGINT/SIGTERM.
int serve_main(const config::settings & cfg);

}  // namespace lokal::handlers
