// Wall-clock time as the database and the APIs store it.
#pragma once

#include <chrono>
#include <cstdint>

namespace lokal {

// Milliseconds since the Unix epoch, now.
inline int64_t unix_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace lokal
