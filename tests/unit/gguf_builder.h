// Builds GGUF bytes by hand, for tests of the GGUF reader and writers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace lokal::test {

class builder {
public:
    explicit builder(uint32_t version = 3) { raw("GGUF", 4), u32(version); }
    builder & raw(const void * p, size_t n) { out.append(static_cast<const char *>(p), n); return *this; }
    builder & u32(uint32_t v) { return raw(&v, 4); }
    builder & u64(uint64_t v) { return raw(&v, 8); }
    builder & str(const std::string & s) { u64(s.size()); return raw(s.data(), s.size()); }
    builder & counts(uint64_t tensors, uint64_t kvs) { return u64(tensors).u64(kvs); }
    builder & kv_str(const std::string & k, const std::string & v) { return str(k).u32(8).str(v); }
    builder & kv_u16(const std::string & k, uint16_t v) { str(k).u32(2); return raw(&v, 2); }
    builder & kv_u32(const std::string & k, uint32_t v) { return str(k).u32(4).u32(v); }
    builder & kv_f32(const std::string & k, float v) { str(k).u32(6); return raw(&v, 4); }
    builder & kv_bools(const std::string & k, const std::vector<bool> & v) {
        str(k).u32(9).u32(7).u64(v.size());  // array of bool
        for (bool b : v) out.push_back(b ? '\1' : '\0');
        return *this;
    }
    builder & tensor(const std::string & name, std::vector<uint64_t> shape, uint32_t type, uint64_t offset) {
        str(name).u32(static_cast<uint32_t>(shape.size()));
        for (auto d : shape) u64(d);
        return u32(type).u64(offset);
    }
    builder & pad(size_t align = 32) {
        while (out.size() % align != 0) out.push_back('\0');
        return *this;
    }
    std::string out;
};

}  // namespace lokal::test
