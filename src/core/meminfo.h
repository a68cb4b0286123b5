// What the machine has free, for the scheduler's memory budget and for
// caches that must not push it into swap.
#pragma once

#include <cstdint>

namespace lokal {

// MemAvailable from /proc/meminfo: what can be allocated without swapping
// (UINT64_MAX when unknown: callers do not refuse on a guess).
uint64_t available_system_memory();

}  // namespace lokal
