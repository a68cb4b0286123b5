// The saved state of chunked uploads (push resume).
#include "registry/upload_state.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>

using namespace lokal;
using namespace lokal::registry;
namespace fs = std::filesystem;

TEST(UploadState, RangeHeaderGivesTheNextByte) {
    EXPECT_EQ(next_offset_from_range("0-1023"), 1024);
    EXPECT_EQ(next_offset_from_range("bytes=0-0"), 1);
    EXPECT_EQ(next_offset_from_range("0-9223372036854775806"), INT64_MAX);
    for (const char * bad : {"", "0-", "1-5", "0--1", "0-12x", "bytes 0-3", "0-99999999999999999999"}) {
        EXPECT_EQ(next_offset_from_range(bad), std::nullopt) << bad;
    }
}

TEST(UploadState, SavedLocationsGoBackOnlyToTheirRegistry) {
    std::string tmpl = fs::temp_directory_path().string() + "/lokal-upload-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    const std::string root = tmpl;
    auto name = *store::parse_model_name("127.0.0.1:5000/library/m:v1");
    const std::string digest = "sha256:" + std::string(64, 'a');
    upload_state a(root, "http://127.0.0.1:5000", name, digest);
    EXPECT_EQ(a.load(), std::nullopt);
    a.save("http://127.0.0.1:5000/v2/library/m/blobs/uploads/u1?_state=x");
    EXPECT_EQ(a.load(), "http://127.0.0.1:5000/v2/library/m/blobs/uploads/u1?_state=x");
    // another blob, repository or registry has its own state
    EXPECT_EQ(upload_state(root, "http://127.0.0.1:5000", name, "sha256:" + std::string(64, 'b')).load(), std::nullopt);
    EXPECT_EQ(upload_state(root, "http://127.0.0.1:5001", name, digest).load(), std::nullopt);
    // a saved Location pointing elsewhere (a tampered file) is not followed
    a.save("http://evil.example/v2/x");
    EXPECT_EQ(a.load(), std::nullopt);
    a.save("http://127.0.0.1:5000/v2/ok");
    for (const auto & f : fs::directory_iterator(root + "/uploads")) std::ofstream(f.path()) << "not json";
    EXPECT_EQ(a.load(), std::nullopt);
    a.save("http://127.0.0.1:5000/v2/ok");
    a.clear();
    EXPECT_EQ(a.load(), std::nullopt);
    // a week-old state is swept when another upload is saved
    a.save("http://127.0.0.1:5000/v2/old");
    for (const auto & f : fs::directory_iterator(root + "/uploads")) {
        fs::last_write_time(f.path(), fs::file_time_type::clock::now() - std::chrono::hours(24 * 8));
    }
    upload_state(root, "http://127.0.0.1:5000", name, "sha256:" + std::string(64, 'c')).save("http://127.0.0.1:5000/v2/new");
    EXPECT_EQ(a.load(), std::nullopt);
    fs::remove_all(root);
}
