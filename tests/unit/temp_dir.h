// A fresh directory under the system's temporary folder for one test,
// removed with everything in it when the test ends.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace lokal::test {

class temp_dir {
public:
    explicit temp_dir(const std::string & prefix) {
        std::string tmpl = std::filesystem::temp_directory_path().string() + "/" + prefix + "-XXXXXX";
        if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed for " + tmpl);
        path_ = tmpl;
    }
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    temp_dir(const temp_dir &) = delete;
    temp_dir & operator=(const temp_dir &) = delete;

    const std::string & path() const { return path_; }

private:
    std::string path_;
};

}  // namespace lokal::test
