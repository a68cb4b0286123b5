#include "core/meminfo.h"

#include <fstream>
#include <string>

namespace lokal {

uint64_t available_system_memory() {
    std::ifstream in("/proc/meminfo");
    std::string key;
    uint64_t kib = 0;
    std::string unit;
    while (in >> key >> kib) {
        std::getline(in, unit);
        if (key == "MemAvailable:") return kib * 1024;
    }
    return UINT64_MAX;
}

}  // namespace lokal
