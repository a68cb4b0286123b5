#include "store/gguf.h"

#include "store/gojson.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <unordered_set>

namespace lokal::store::gguf {

namespace {

// --- byte sources --------------------------------------------------------------

class source {
public:
    virtual ~source() = default;
    // Reads up to n bytes at off; returns how many were read, -1 on error.
    virtual ssize_t read_at(uint64_t off, void * dst, size_t n) = 0;
    uint64_t size = 0;
};

class memory_source : public source {
public:
    explicit memory_source(std::string_view d) : data_(d) { size = d.size(); }
    ssize_t read_at(uint64_t off, void * dst, size_t n) override {
        if (off >= data_.size()) return 0;
        size_t k = std::min<uint64_t>(n, data_.size() - off);
        std::memcpy(dst, data_.data() + off, k);
        return static_cast<ssize_t>(k);
    }

private:
    std::string_view data_;
};

class file_source : public source {
public:
    explicit file_source(int fd) : fd_(fd) {}
    ~file_source() override { ::close(fd_); }
    ssize_t read_at(uint64_t off, void * dst, size_t n) override {
        for (;;) {
            ssize_t r = ::pread(fd_, dst, n, static_cast<off_t>(off));
            if (r < 0 && errno == EINTR) continue;
            return r;
        }
    }

private:
    int fd_;
};

error bad(const std::string & why) { return make_error(errc::invalid_request, why); }

// Sequential, buffered, bounds-checked reads over a source.
class cursor {
public:
    cursor(source & src, uint64_t max_meta) : src_(src), max_meta_(max_meta) {}

    uint64_t pos() const { return pos_; }

    status take(void * dst, uint64_t n, const char * what) {
        if (auto st = check(n, what); !st) return st;
        auto * out = static_cast<char *>(dst);
        while (n > 0) {
            if (pos_ < buf_start_ || pos_ >= buf_start_ + buf_len_) {
                if (auto st = fill(what); !st) return st;
            }
            uint64_t k = std::min<uint64_t>(n, buf_start_ + buf_len_ - pos_);
            std::memcpy(out, buf_.get() + (pos_ - buf_start_), k);
            out += k, pos_ += k, n -= k;
        }
        return {};
    }

    status skip(uint64_t n, const char * what) {
        if (auto st = check(n, what); !st) return st;
        pos_ += n;
        return {};
    }

    template <class T>
    status get(T & v, const char * what) { return take(&v, sizeof v, what); }

private:
    status check(uint64_t n, const char * what) {
        if (n > src_.size || pos_ > src_.size - n) {
            return bad(std::string("truncated GGUF file: ") + what + " at offset " + std::to_string(pos_));
        }
        if (pos_ + n > max_meta_) {
            return bad("GGUF metadata is larger than " + std::to_string(max_meta_) + " bytes");
        }
        return {};
    }

    status fill(const char * what) {
        ssize_t r = src_.read_at(pos_, buf_.get(), k_buf);
        if (r <= 0) {
            return make_error(errc::internal, std::string("cannot read GGUF file: ") + what);
        }
        buf_start_ = pos_;
        buf_len_ = static_cast<uint64_t>(r);
        return {};
    }

    static constexpr size_t k_buf = 64 * 1024;
    source & src_;
    uint64_t max_meta_;
    uint64_t pos_ = 0;
    std::unique_ptr<char[]> buf_ = std::make_unique<char[]>(k_buf);
    uint64_t buf_start_ = 0;
    uint64_t buf_len_ = 0;
};

// --- type tables ----------------------------------------------------------------

struct ggml_type_info {
    const char * name;
    uint32_t block;
    uint32_t bytes;
};

// Block size (elements) and bytes per block of each ggml_type that can occur
// in a GGUF file; name nullptr for retired or unknown ids.
ggml_type_info ggml_type(uint32_t t) {
    static const ggml_type_info table[] = {
        {"F32", 1, 4},        {"F16", 1, 2},         {"Q4_0", 32, 18},     {"Q4_1", 32, 20},
        {nullptr, 0, 0},      {nullptr, 0, 0},       {"Q5_0", 32, 22},     {"Q5_1", 32, 24},
        {"Q8_0", 32, 34},     {"Q8_1", 32, 36},      {"Q2_K", 256, 84},    {"Q3_K", 256, 110},
        {"Q4_K", 256, 144},   {"Q5_K", 256, 176},    {"Q6_K", 256, 210},   {"Q8_K", 256, 292},
        {"IQ2_XXS", 256, 66}, {"IQ2_XS", 256, 74},   {"IQ3_XXS", 256, 98}, {"IQ1_S", 256, 50},
        {"IQ4_NL", 32, 18},   {"IQ3_S", 256, 110},   {"IQ2_S", 256, 82},   {"IQ4_XS", 256, 136},
        {"I8", 1, 1},         {"I16", 1, 2},         {"I32", 1, 4},        {"I64", 1, 8},
        {"F64", 1, 8},        {"IQ1_M", 256, 56},    {"BF16", 1, 2},       {nullptr, 0, 0},
        {nullptr, 0, 0},      {nullptr, 0, 0},       {"TQ1_0", 256, 54},   {"TQ2_0", 256, 66},
        {nullptr, 0, 0},      {nullptr, 0, 0},       {nullptr, 0, 0},      {"MXFP4", 32, 17},
        {"NVFP4", 64, 36},    {"Q1_0", 128, 18},     {"Q2_0", 64, 18},
    };
    return t < std::size(table) ? table[t] : ggml_type_info{nullptr, 0, 0};
}

size_t scalar_size(value_type t) {
    switch (t) {
        case value_type::u8: case value_type::i8: case value_type::boolean: return 1;
        case value_type::u16: case value_type::i16: return 2;
        case value_type::u32: case value_type::i32: case value_type::f32: return 4;
        case value_type::u64: case value_type::i64: case value_type::f64: return 8;
        default: return 0;
    }
}

// A float32 as the shortest decimal that reads back as the same float, so
// 1e-5f shows as 1e-05 rather than 9.99999974737875e-06.
double f32_to_double(float f) {
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf - 1, f);
    *r.ptr = '\0';
    return std::strtod(buf, nullptr);
}

// --- the parser -------------------------------------------------------------------

class parser {
public:
    parser(source & src, const limits & lim) : cur_(src, lim.max_metadata_bytes), lim_(lim) { f_.file_size = src.size; }

    result<file> run();

private:
    status header(uint64_t & n_tensors, uint64_t & n_kv);
    result<std::string> read_string(const char * what);
    status skip_string(const char * what);
    result<json> read_scalar(value_type t, const char * what);
    status read_kv(kv & out);
    status read_array(kv & out);
    status read_tensor(tensor_info & t);
    status place_tensors();

    cursor cur_;
    const limits & lim_;
    file f_;
};

status parser::header(uint64_t & n_tensors, uint64_t & n_kv) {
    char magic[4];
    if (cur_.pos() + 4 > f_.file_size || !cur_.take(magic, 4, "magic")) {
        return bad("not a GGUF file");
    }
    if (std::memcmp(magic, "GGUF", 4) != 0) {
        return bad(std::memcmp(magic, "FUGG", 4) == 0 ? "big-endian GGUF files are not supported" : "not a GGUF file");
    }
    if (auto st = cur_.get(f_.version, "version"); !st) return st;
    if (f_.version < 2 || f_.version > 3) {
        return bad("unsupported GGUF version " + std::to_string(f_.version));
    }
    if (auto st = cur_.get(n_tensors, "tensor count"); !st) return st;
    if (auto st = cur_.get(n_kv, "key/value count"); !st) return st;
    if (n_kv > lim_.max_kv) {
        return bad("GGUF file has " + std::to_string(n_kv) + " keys, more than " + std::to_string(lim_.max_kv));
    }
    if (n_tensors > lim_.max_tensors) {
        return bad("GGUF file has " + std::to_string(n_tensors) + " tensors, more than " +
                   std::to_string(lim_.max_tensors));
    }
    return {};
}

result<std::string> parser::read_string(const char * what) {
    uint64_t len = 0;
    if (auto st = cur_.get(len, what); !st) return st.err();
    if (len > lim_.max_string) {
        return bad(std::string("GGUF ") + what + " is " + std::to_string(len) + " bytes, more than " +
                   std::to_string(lim_.max_string));
    }
    std::string s(len, '\0');
    if (auto st = cur_.take(s.data(), len, what); !st) return st.err();
    return s;
}

status parser::skip_string(const char * what) {
    uint64_t len = 0;
    if (auto st = cur_.get(len, what); !st) return st;
    if (len > lim_.max_string) {
        return bad(std::string("GGUF ") + what + " is longer than " + std::to_string(lim_.max_string) + " bytes");
    }
    return cur_.skip(len, what);
}

result<json> parser::read_scalar(value_type t, const char * what) {
    auto num = [&](auto v) -> result<json> {
        if (auto st = cur_.get(v, what); !st) return st.err();
        return json(v);
    };
    switch (t) {
        case value_type::u8: return num(uint8_t{});
        case value_type::i8: return num(int8_t{});
        case value_type::u16: return num(uint16_t{});
        case value_type::i16: return num(int16_t{});
        case value_type::u32: return num(uint32_t{});
        case value_type::i32: return num(int32_t{});
        case value_type::u64: return num(uint64_t{});
        case value_type::i64: return num(int64_t{});
        case value_type::f64: return num(double{});
        case value_type::f32: {
            float v = 0;
            if (auto st = cur_.get(v, what); !st) return st.err();
            return json(f32_to_double(v));
        }
        case value_type::boolean: {
            uint8_t v = 0;
            if (auto st = cur_.get(v, what); !st) return st.err();
            return json(v != 0);
        }
        case value_type::string: {
            auto s = read_string(what);
            if (!s) return s.err();
            return json(valid_utf8(*s));
        }
        default: return bad("invalid GGUF value type " + std::to_string(static_cast<uint32_t>(t)));
    }
}

status parser::read_array(kv & out) {
    uint32_t et = 0;
    if (auto st = cur_.get(et, "array type"); !st) return st;
    if (auto st = cur_.get(out.count, "array length"); !st) return st;
    out.element_type = static_cast<value_type>(et);
    if (out.element_type == value_type::array) {
        return bad("GGUF key " + out.key + ": nested arrays are not supported");
    }
    if (et > static_cast<uint32_t>(value_type::f64)) {
        return bad("GGUF key " + out.key + ": invalid array type " + std::to_string(et));
    }
    if (out.count > lim_.max_array) {
        return bad("GGUF key " + out.key + ": array of " + std::to_string(out.count) + " elements, more than " +
                   std::to_string(lim_.max_array));
    }
    out.materialised = out.count <= lim_.materialise_array;
    if (out.materialised) {
        out.value = json::array();
        for (uint64_t i = 0; i < out.count; ++i) {
            auto v = read_scalar(out.element_type, "array element");
            if (!v) return v.err();
            out.value.push_back(std::move(*v));
        }
        return {};
    }
    out.value = nullptr;
    if (out.element_type == value_type::string) {
        for (uint64_t i = 0; i < out.count; ++i) {
            if (auto st = skip_string("array element"); !st) return st;
        }
        return {};
    }
    // count <= max_array (2^26) and element size <= 8: no overflow.
    return cur_.skip(out.count * scalar_size(out.element_type), "array data");
}

status parser::read_kv(kv & out) {
    auto key = read_string("key");
    if (!key) return key.err();
    out.key = valid_utf8(*key);
    uint32_t t = 0;
    if (auto st = cur_.get(t, "value type"); !st) return st;
    out.type = static_cast<value_type>(t);
    if (out.type == value_type::array) {
        return read_array(out);
    }
    if (t > static_cast<uint32_t>(value_type::f64)) {
        return bad("GGUF key " + out.key + ": invalid value type " + std::to_string(t));
    }
    auto v = read_scalar(out.type, "value");
    if (!v) return v.err();
    out.value = std::move(*v);
    return {};
}

status parser::read_tensor(tensor_info & t) {
    auto name = read_string("tensor name");
    if (!name) return name.err();
    t.name = valid_utf8(*name);
    // ggml keeps tensor names in a 64-byte array (GGML_MAX_NAME, NUL included).
    if (name->size() >= 64) {
        return bad("GGUF tensor name '" + t.name.substr(0, 64) + "...' is longer than 63 bytes");
    }
    uint32_t dims = 0;
    if (auto st = cur_.get(dims, "tensor dimensions"); !st) return st;
    if (dims > 4) {
        return bad("GGUF tensor '" + t.name + "' has " + std::to_string(dims) + " dimensions, more than 4");
    }
    t.shape.resize(dims);
    t.elements = 1;
    for (auto & d : t.shape) {
        if (auto st = cur_.get(d, "tensor shape"); !st) return st;
        if (d != 0 && t.elements > (uint64_t{1} << 62) / d) {
            return bad("GGUF tensor '" + t.name + "' is too large");
        }
        t.elements *= d;
    }
    if (auto st = cur_.get(t.type, "tensor type"); !st) return st;
    if (auto st = cur_.get(t.offset, "tensor offset"); !st) return st;
    ggml_type_info ti = ggml_type(t.type);
    if (ti.name == nullptr) {
        return bad("GGUF tensor '" + t.name + "' has unknown type " + std::to_string(t.type));
    }
    if (dims > 0 && t.shape[0] % ti.block != 0) {
        return bad("GGUF tensor '" + t.name + "' row size is not a multiple of its block size");
    }
    t.bytes = t.elements / ti.block * ti.bytes;  // elements < 2^62, bytes per element <= 8
    return {};
}

status parser::place_tensors() {
    if (const kv * a = f_.find("general.alignment"); a != nullptr) {
        if (a->type != value_type::u32 || a->value.get<uint64_t>() == 0 ||
            (a->value.get<uint64_t>() & (a->value.get<uint64_t>() - 1)) != 0) {
            return bad("GGUF general.alignment must be a power of two");
        }
        f_.alignment = a->value.get<uint64_t>();
    }
    uint64_t pos = cur_.pos();
    f_.data_offset = (pos + f_.alignment - 1) / f_.alignment * f_.alignment;
    if (f_.tensors.empty()) {
        return {};
    }
    if (f_.data_offset > f_.file_size) {
        return bad("truncated GGUF file: tensor data is missing");
    }
    const uint64_t data_size = f_.file_size - f_.data_offset;
    for (const auto & t : f_.tensors) {
        if (t.offset % f_.alignment != 0) {
            return bad("GGUF tensor '" + t.name + "' is not aligned");
        }
        if (t.offset > data_size || t.bytes > data_size - t.offset) {
            return bad("truncated GGUF file: data of tensor '" + t.name + "' ends past the end of the file");
        }
    }
    // No two tensors may share bytes (llama.cpp would alias them).
    std::vector<const tensor_info *> by_offset;
    by_offset.reserve(f_.tensors.size());
    for (const auto & t : f_.tensors) by_offset.push_back(&t);
    std::sort(by_offset.begin(), by_offset.end(),
              [](const tensor_info * a, const tensor_info * b) { return a->offset < b->offset; });
    for (size_t i = 1; i < by_offset.size(); ++i) {
        const tensor_info & prev = *by_offset[i - 1];
        if (by_offset[i]->offset - prev.offset < prev.bytes) {  // sorted, and offset + bytes fits the file
            return bad("GGUF tensors '" + prev.name + "' and '" + by_offset[i]->name + "' overlap");
        }
    }
    return {};
}

result<file> parser::run() {
    uint64_t n_tensors = 0, n_kv = 0;
    if (auto st = header(n_tensors, n_kv); !st) return st.err();
    std::unordered_set<std::string> seen;
    f_.kvs.reserve(std::min<uint64_t>(n_kv, 4096));
    for (uint64_t i = 0; i < n_kv; ++i) {
        kv item;
        item.raw_offset = cur_.pos();
        if (auto st = read_kv(item); !st) return st.err();
        item.raw_size = cur_.pos() - item.raw_offset;
        if (!seen.insert(item.key).second) {
            return bad("GGUF file has duplicate key " + item.key);
        }
        f_.kvs.push_back(std::move(item));
    }
    seen.clear();
    f_.tensors.reserve(std::min<uint64_t>(n_tensors, 65536));
    for (uint64_t i = 0; i < n_tensors; ++i) {
        tensor_info t;
        if (auto st = read_tensor(t); !st) return st.err();
        if (!seen.insert(t.name).second) {
            return bad("GGUF file has duplicate tensor " + t.name);
        }
        f_.tensors.push_back(std::move(t));
    }
    if (auto st = place_tensors(); !st) return st.err();
    return std::move(f_);
}

result<file> parse_source(source & src, const limits & lim) {
    parser p(src, lim);
    return p.run();
}

}  // namespace

result<file> read_bytes(std::string_view data, const limits & lim) {
    memory_source src(data);
    return parse_source(src, lim);
}

result<file> read_file(const std::string & path, const limits & lim) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return make_error(errc::not_found, path + " does not exist");
        return make_error(errc::internal, "open " + path + ": " + std::strerror(errno));
    }
    file_source src(fd);
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        return make_error(errc::invalid_request, path + " is not a regular file");
    }
    src.size = static_cast<uint64_t>(st.st_size);
    return parse_source(src, lim);
}

bool has_magic(std::string_view first_bytes) { return first_bytes.substr(0, 4) == "GGUF"; }

status validate_file(const std::string & path) {
    limits lim;
    lim.materialise_array = 0;  // only the structure matters here
    auto f = read_file(path, lim);
    if (f) return {};
    if (f.err().code == errc::invalid_request) return make_error(errc::invalid_request, "invalid GGUF file: " + f.err().message);
    return make_error(f.err().code, "cannot read the GGUF file");  // open/read failures name paths: keep them out
}

status validate_if_gguf(const std::string & path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return make_error(errc::internal, "cannot read the uploaded file");
    char magic[4] = {};
    ssize_t n = ::pread(fd, magic, sizeof magic, 0);
    ::close(fd);
    if (n != 4 || !has_magic(std::string_view(magic, 4))) return {};
    return validate_file(path);
}

std::string tensor_type_name(uint32_t type) {
    const char * n = ggml_type(type).name;
    return n != nullptr ? n : "unknown";
}

}  // namespace lokal::store::gguf
