#include "store/gguf_merge.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <unordered_set>

namespace lokal::store::gguf {

namespace {

error malformed(const std::string & why) { return make_error(errc::invalid_request, why); }

bool is_split_key(std::string_view key) { return key.substr(0, 6) == "split."; }

uint64_t align_up(uint64_t n, uint64_t a) { return (n + a - 1) / a * a; }

void put_u32(std::string & out, uint32_t v) { out.append(reinterpret_cast<const char *>(&v), sizeof v); }
void put_u64(std::string & out, uint64_t v) { out.append(reinterpret_cast<const char *>(&v), sizeof v); }

// Copies n bytes at off of the file at path into out, in pieces.
status copy_range(const std::string & path, uint64_t off, uint64_t n, files::temp_file & out) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return files::io_error("open " + path);
    std::vector<char> buf(std::min<uint64_t>(n, 4u << 20));
    status st;
    while (n > 0 && st) {
        ssize_t r = ::pread(fd, buf.data(), std::min<uint64_t>(n, buf.size()), static_cast<off_t>(off));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            st = r < 0 ? status(files::io_error("read " + path)) : status(malformed("split GGUF file changed while merging"));
            break;
        }
        st = out.write(buf.data(), static_cast<size_t>(r));
        off += static_cast<uint64_t>(r);
        n -= static_cast<uint64_t>(r);
    }
    ::close(fd);
    return st;
}

status write_zeros(files::temp_file & out, uint64_t n) {
    static const char zeros[64] = {};
    while (n > 0) {
        size_t k = std::min<uint64_t>(n, sizeof zeros);
        if (auto st = out.write(zeros, k); !st) return st;
        n -= k;
    }
    return {};
}

// Header, tensor infos: everything before the data section, unpadded.
std::string tensor_infos(const file & merged) {
    std::string out;
    for (const auto & t : merged.tensors) {
        put_u64(out, t.name.size());
        out += t.name;
        put_u32(out, static_cast<uint32_t>(t.shape.size()));
        for (uint64_t d : t.shape) put_u64(out, d);
        put_u32(out, t.type);
        put_u64(out, t.offset);
    }
    return out;
}

}  // namespace

bool is_split(const file & f) { return f.get_uint("split.count").value_or(1) > 1; }

result<std::vector<size_t>> order_splits(const std::vector<const file *> & parts) {
    const uint64_t count = parts.empty() ? 0 : parts[0]->get_uint("split.count").value_or(1);
    if (count != parts.size()) {
        return malformed("the split GGUF model has " + std::to_string(count) + " parts, but " + std::to_string(parts.size()) +
                   " were given");
    }
    std::vector<size_t> order(parts.size(), SIZE_MAX);
    for (size_t i = 0; i < parts.size(); ++i) {
        auto no = parts[i]->get_uint("split.no");
        if (parts[i]->get_uint("split.count").value_or(1) != count || !no) {
            return malformed("the split GGUF files are parts of different models");
        }
        if (*no >= count || order[*no] != SIZE_MAX) {
            return malformed("split GGUF part " + std::to_string(*no + 1) + " is given twice or is out of range");
        }
        order[*no] = i;
    }
    uint64_t tensors = 0;
    std::unordered_set<std::string_view> names;
    for (const file * p : parts) {
        tensors += p->tensors.size();
        for (const auto & t : p->tensors) {
            if (!names.insert(t.name).second) return malformed("split GGUF parts both hold tensor " + t.name);
        }
    }
    const file & first = *parts[order[0]];
    if (auto want = first.get_uint("split.tensors.count"); want && *want != tensors) {
        return malformed("the split GGUF parts hold " + std::to_string(tensors) + " tensors, the first part says " +
                   std::to_string(*want));
    }
    if (first.find("general.architecture") == nullptr) {
        return malformed("the first split GGUF part has no general.architecture");
    }
    return order;
}

file merged_metadata(const std::vector<const file *> & ordered) {
    file m;
    const file & first = *ordered[0];
    m.version = 3;
    m.alignment = first.alignment;
    for (const auto & k : first.kvs) {
        if (!is_split_key(k.key)) m.kvs.push_back(k);
    }
    uint64_t offset = 0;
    for (const file * p : ordered) {
        for (auto t : p->tensors) {
            t.offset = offset;
            offset += align_up(t.bytes, m.alignment);
            m.tensors.push_back(std::move(t));
        }
    }
    uint64_t head = 4 + 4 + 8 + 8;
    for (const auto & k : m.kvs) head += k.raw_size;
    head += tensor_infos(m).size();
    m.data_offset = align_up(head, m.alignment);
    m.file_size = m.data_offset + offset;
    return m;
}

status write_merged(const std::vector<std::string> & paths, const std::vector<const file *> & ordered,
                    files::temp_file & out) {
    const file m = merged_metadata(ordered);
    std::string head = "GGUF";
    put_u32(head, m.version);
    put_u64(head, m.tensors.size());
    put_u64(head, m.kvs.size());
    if (auto st = out.write(head.data(), head.size()); !st) return st;
    uint64_t written = head.size();
    for (const auto & k : m.kvs) {
        if (auto st = copy_range(paths[0], k.raw_offset, k.raw_size, out); !st) return st;
        written += k.raw_size;
    }
    const std::string infos = tensor_infos(m);
    if (auto st = out.write(infos.data(), infos.size()); !st) return st;
    written += infos.size();
    if (auto st = write_zeros(out, m.data_offset - written); !st) return st;
    for (size_t i = 0; i < ordered.size(); ++i) {
        for (const auto & t : ordered[i]->tensors) {
            if (auto st = copy_range(paths[i], ordered[i]->data_offset + t.offset, t.bytes, out); !st) return st;
            if (auto st = write_zeros(out, align_up(t.bytes, m.alignment) - t.bytes); !st) return st;
        }
    }
    return {};
}

}  // namespace lokal::store::gguf
