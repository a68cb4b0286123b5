#include "store/blob_check.h"

#include "store/digest.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <vector>

namespace lokal::store {

status blob_check::verify(const std::string & path) {
    const std::string name = std::filesystem::path(path).filename().string();
    auto digest = parse_digest(name);
    if (!digest || name.rfind("sha256-", 0) != 0) return {};
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    struct stat st{};
    if (fd < 0 || ::fstat(fd, &st) != 0) {
        if (fd >= 0) ::close(fd);
        return make_error(errc::not_found, "model file " + name + " is missing");
    }
    key k{st.st_dev, st.st_ino, st.st_size, st.st_mtim.tv_sec * 1'000'000'000ll + st.st_mtim.tv_nsec};
    {
        std::lock_guard lock(mu_);
        if (verified_.count(k)) {
            ::close(fd);
            return {};
        }
    }
    sha256 h;
    std::vector<char> buf(1 << 20);
    ssize_t n = 0;
    while ((n = ::read(fd, buf.data(), buf.size())) > 0) h.update(buf.data(), static_cast<size_t>(n));
    ::close(fd);
    if (n < 0) return make_error(errc::internal, "model file " + name + " could not be read");
    if ("sha256:" + h.finish_hex() != *digest) {
        return make_error(errc::internal, "model file " + name.substr(0, 19) +
                                              "... is corrupted (its content no longer matches its digest): remove "
                                              "the model and pull or create it again");
    }
    std::lock_guard lock(mu_);
    verified_.insert(k);
    return {};
}

}  // namespace lokal::store
