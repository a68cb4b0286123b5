// The client against a small in-process HTTP server (no lokal server needed).
#include "client/client.h"

#include <cpp-httplib/httplib.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace lokal;

namespace {

class fake_server {
public:
    explicit fake_server(const std::function<void(httplib::Server &)> & routes) {
        routes(server_);
        port_ = server_.bind_to_any_port("127.0.0.1");
        thread_ = std::thread([this] { server_.listen_after_bind(); });
        server_.wait_until_ready();
    }
    ~fake_server() {
        server_.stop();
        thread_.join();
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

private:
    httplib::Server server_;
    int port_ = 0;
    std::thread thread_;
};

}  // namespace

TEST(client_errors, message_from_error_body) {
    EXPECT_EQ(client::error_message(404, R"({"error":"model 'x' not found"})"), "model 'x' not found");
    EXPECT_EQ(client::error_message(400, R"({"error":{"message":"bad"}})"), "bad");
    EXPECT_EQ(client::error_message(502, "  upstream down\n"), "upstream down");
    EXPECT_EQ(client::error_message(500, ""), "unexpected server response: HTTP 500");
    EXPECT_EQ(client::errc_from_status(404), errc::not_found);
    EXPECT_EQ(client::errc_from_status(400), errc::invalid_request);
    EXPECT_EQ(client::errc_from_status(503), errc::unavailable);
    EXPECT_EQ(client::errc_from_status(500), errc::internal);
}

TEST(client_http, json_requests_and_errors) {
    fake_server srv([](httplib::Server & s) {
        s.Get("/api/version", [](const httplib::Request &, httplib::Response & res) {
            res.set_content(R"({"version":"9.9.9"})", "application/json");
        });
        s.Post("/api/show", [](const httplib::Request & req, httplib::Response & res) {
            auto body = json::parse(req.body);
            if (body["model"] == "known") {
                res.set_content(R"({"template":"t"})", "application/json");
            } else {
                res.status = 404;
                res.set_content(R"({"error":"model 'nope' not found"})", "application/json");
            }
        });
        s.Delete("/api/delete", [](const httplib::Request & req, httplib::Response & res) {
            res.status = json::parse(req.body)["model"] == "a" ? 200 : 404;
        });
        s.Get("/api/blobs/sha256:aa", [](const httplib::Request &, httplib::Response & res) { res.status = 200; });
    });
    client::client c(srv.url());
    auto v = c.get("/api/version");
    ASSERT_TRUE(v.ok()) << v.err().message;
    EXPECT_EQ((*v)["version"], "9.9.9");

    auto ok = c.post("/api/show", {{"model", "known"}});
    ASSERT_TRUE(ok.ok());
    EXPECT_EQ((*ok)["template"], "t");
    auto missing = c.post("/api/show", {{"model", "nope"}});
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.err().code, errc::not_found);
    EXPECT_EQ(missing.err().message, "model 'nope' not found");

    EXPECT_TRUE(c.del("/api/delete", {{"model", "a"}}).ok());
    EXPECT_EQ(c.del("/api/delete", {{"model", "b"}}).err().code, errc::not_found);
    EXPECT_EQ(*c.head("/api/blobs/sha256:aa"), 200);
    EXPECT_EQ(*c.head("/api/blobs/sha256:bb"), 404);
}

TEST(client_http, ndjson_stream_callbacks_and_stop) {
    fake_server srv([](httplib::Server & s) {
        s.Post("/api/generate", [](const httplib::Request &, httplib::Response & res) {
            res.set_content("{\"response\":\"a\"}\n{\"response\":\"b\"}\n\n{\"response\":\"c\",\"done\":true}",
                            "application/x-ndjson");
        });
        s.Post("/api/chat", [](const httplib::Request &, httplib::Response & res) {
            res.set_content("{\"message\":{\"content\":\"x\"}}\n{\"error\":\"out of memory\"}\n",
                            "application/x-ndjson");
        });
        s.Post("/api/create", [](const httplib::Request &, httplib::Response & res) {
            res.status = 400;
            res.set_content("{\"error\":\"invalid model name\"}\n", "application/x-ndjson");
        });
    });
    client::client c(srv.url());
    std::string got;
    status st = c.stream("/api/generate", {{"model", "m"}}, [&](const json & j) {
        got += j["response"].get<std::string>();
        return true;
    });
    ASSERT_TRUE(st.ok()) << st.err().message;
    EXPECT_EQ(got, "abc");

    got.clear();
    st = c.stream("/api/generate", {{"model", "m"}}, [&](const json & j) {
        got += j["response"].get<std::string>();
        return false;  // stop after the first object
    });
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.err().code, errc::canceled);
    EXPECT_EQ(got, "a");

    st = c.stream("/api/chat", {{"model", "m"}}, [](const json &) { return true; });
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.err().message, "out of memory");

    st = c.stream("/api/create", {{"model", "m"}}, [](const json &) { return true; });
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.err().code, errc::invalid_request);
    EXPECT_EQ(st.err().message, "invalid model name");
}

TEST(client_http, cancel_from_another_thread_ends_a_silent_stream) {
    std::atomic<bool> server_saw_close{false};
    fake_server srv([&](httplib::Server & s) {
        s.Post("/api/generate", [&](const httplib::Request &, httplib::Response & res) {
            res.set_chunked_content_provider("application/x-ndjson", [&](size_t, httplib::DataSink & sink) {
                if (!sink.write("{\"response\":\"tick\"}\n", 20)) {
                    server_saw_close = true;
                    return false;
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
                return true;
            });
        });
    });
    client::client c(srv.url());
    int objects = 0;
    std::thread canceler([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        c.cancel();
    });
    const auto t0 = std::chrono::steady_clock::now();
    status st = c.stream("/api/generate", {{"model", "m"}}, [&](const json &) {
        ++objects;
        return true;
    });
    canceler.join();
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.err().code, errc::canceled);
    EXPECT_GT(objects, 0);
    // the client works again after a cancel
    EXPECT_EQ(c.head("/nowhere").value(), 404);
}

TEST(client_http, upload_blob_with_progress) {
    std::string received;
    fake_server srv([&](httplib::Server & s) {
        s.Post(R"(/api/blobs/(sha256:[0-9a-f]+))", [&](const httplib::Request & req, httplib::Response & res) {
            received = req.body;
            res.status = 201;
        });
    });
    const auto path = std::filesystem::temp_directory_path() / ("lokal-upload-" + std::to_string(::getpid()));
    std::string data(3 << 20, 'x');
    std::ofstream(path, std::ios::binary) << data;
    client::client c(srv.url());
    int64_t last = 0, total = 0;
    status st = c.upload_blob("sha256:abcd", path.string(), [&](int64_t done, int64_t t) {
        last = done;
        total = t;
        return true;
    });
    std::filesystem::remove(path);
    ASSERT_TRUE(st.ok()) << st.err().message;
    EXPECT_EQ(received.size(), data.size());
    EXPECT_EQ(last, static_cast<int64_t>(data.size()));
    EXPECT_EQ(total, static_cast<int64_t>(data.size()));

    EXPECT_EQ(c.upload_blob("sha256:abcd", "/no/such/file").err().code, errc::not_found);
}

TEST(client_http, connection_refused_says_how_to_start_the_server) {
    // Bind a port and close it again, so nothing listens there.
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr), 0);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr *>(&addr), &len);
    ::close(fd);
    const int port = ntohs(addr.sin_port);
    client::client c("http://127.0.0.1:" + std::to_string(port));
    auto r = c.get("/api/tags");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.err().code, errc::unavailable);
    EXPECT_NE(r.err().message.find("could not connect to lokal server"), std::string::npos) << r.err().message;
    EXPECT_NE(r.err().message.find("lokal serve"), std::string::npos);
}
