#include "config/config.h"

#include <gtest/gtest.h>

#include <map>

using namespace lokal;

namespace {
config::env_lookup env_of(std::map<std::string, std::string> m) {
    auto shared = std::make_shared<std::map<std::string, std::string>>(std::move(m));
    return [shared](const char * name) -> const char * {
        auto it = shared->find(name);
        return it == shared->end() ? nullptr : it->second.c_str();
    };
}
}  // namespace

TEST(config, defaults) {
    auto s = config::load(env_of({{"HOME", "/home/u"}}));
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(s->host, "127.0.0.1");
    EXPECT_EQ(s->port, 11434);
    EXPECT_EQ(s->models_dir, "/home/u/.lokal/models");
    EXPECT_EQ(s->keep_alive, std::chrono::minutes(5));
    EXPECT_EQ(s->base_url(), "http://127.0.0.1:11434");
}

TEST(config, ollama_variables_used_when_lokal_ones_unset) {
    auto s = config::load(env_of({{"OLLAMA_HOST", "0.0.0.0:8080"}, {"OLLAMA_MODELS", "/m"}}));
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(s->host, "0.0.0.0");
    EXPECT_EQ(s->port, 8080);
    EXPECT_EQ(s->models_dir, "/m");
    EXPECT_EQ(s->base_url(), "http://127.0.0.1:8080");

    auto t = config::load(env_of({{"OLLAMA_HOST", "0.0.0.0:8080"}, {"LOKAL_HOST", "127.0.0.2:9"}}));
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t->host, "127.0.0.2");
    EXPECT_EQ(t->port, 9);
}

TEST(config, host_forms) {
    struct c {
        const char * in;
        const char * host;
        int port;
    } cases[] = {
        {"localhost", "localhost", 11434},   {":8000", "127.0.0.1", 8000},
        {"http://h:1", "h", 1},              {"http://h", "h", 80},
        {"https://h", "h", 443},             {"[::1]:5", "::1", 5},
        {"::1", "::1", 11434},               {"h:7/path", "h", 7},
    };
    for (const auto & tc : cases) {
        config::settings s;
        ASSERT_TRUE(config::parse_host(tc.in, s).ok()) << tc.in;
        EXPECT_EQ(s.host, tc.host) << tc.in;
        EXPECT_EQ(s.port, tc.port) << tc.in;
    }
}

TEST(config, bad_values_are_errors_naming_the_variable) {
    auto s = config::load(env_of({{"LOKAL_HOST", "h:99999"}}));
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.err().message.find("LOKAL_HOST"), std::string::npos);
    auto d = config::load(env_of({{"LOKAL_DEBUG", "yes please"}}));
    ASSERT_FALSE(d.ok());
    EXPECT_NE(d.err().message.find("LOKAL_DEBUG"), std::string::npos);
    auto p = config::load(env_of({{"LOKAL_NUM_PARALLEL", "0"}}));
    ASSERT_FALSE(p.ok());
    auto k = config::load(env_of({{"LOKAL_KEEP_ALIVE", "soon"}}));
    ASSERT_FALSE(k.ok());
    EXPECT_NE(k.err().message.find("LOKAL_KEEP_ALIVE"), std::string::npos);
}

TEST(config, durations) {
    using std::chrono::milliseconds;
    EXPECT_EQ(*config::parse_duration("5m"), milliseconds(300000));
    EXPECT_EQ(*config::parse_duration("1h30m"), milliseconds(5400000));
    EXPECT_EQ(*config::parse_duration("300ms"), milliseconds(300));
    EXPECT_EQ(*config::parse_duration("1.5s"), milliseconds(1500));
    EXPECT_EQ(*config::parse_duration("0"), milliseconds(0));
    EXPECT_EQ(*config::parse_duration("10"), milliseconds(10000));
    EXPECT_EQ(*config::parse_duration("-1"), milliseconds(-1));
    EXPECT_EQ(*config::parse_duration("-5m"), milliseconds(-1));
    for (const char * bad : {"", "m", "5x", "5m3", "--1s", "1e400"}) {
        EXPECT_FALSE(config::parse_duration(bad).ok()) << bad;
    }
}

TEST(config, help_lists_every_variable) {
    auto help = config::help_table();
    for (const auto & v : config::variables()) EXPECT_NE(help.find(v.name), std::string::npos) << v.name;
}

TEST(config, sizes) {
    EXPECT_EQ(*config::parse_size("0"), 0u);
    EXPECT_EQ(*config::parse_size("1234"), 1234u);
    EXPECT_EQ(*config::parse_size("8GiB"), 8ull << 30);
    EXPECT_EQ(*config::parse_size("8G"), 8ull << 30);
    EXPECT_EQ(*config::parse_size("8GB"), 8000000000ull);
    EXPECT_EQ(*config::parse_size("1.5MiB"), 3ull << 19);
    EXPECT_EQ(*config::parse_size("512K"), 512ull << 10);
    for (const char * bad : {"", "GiB", "-1G", "8 GiB", "8gib", "1e30", "nan", "8XB"}) {
        EXPECT_FALSE(config::parse_size(bad).ok()) << bad;
    }
}

TEST(config, memory_budget) {
    auto d = config::load(env_of({}));
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->max_memory, 0u);  // auto: what the system has free
    auto s = config::load(env_of({{"LOKAL_MAX_MEMORY", "12GiB"}}));
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(s->max_memory, 12ull << 30);
    auto a = config::load(env_of({{"LOKAL_MAX_MEMORY", "auto"}}));
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(a->max_memory, 0u);
    auto bad = config::load(env_of({{"LOKAL_MAX_MEMORY", "lots"}}));
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.err().message, "LOKAL_MAX_MEMORY: expected a size such as 8GiB, 512MiB or a number of bytes, got \"lots\"");
}

TEST(config, prompt_cache_size) {
    auto d = config::load(env_of({}));
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->prompt_cache_bytes, 4ull << 30);
    auto off = config::load(env_of({{"LOKAL_PROMPT_CACHE", "0"}}));
    ASSERT_TRUE(off.ok());
    EXPECT_EQ(off->prompt_cache_bytes, 0u);
    auto s = config::load(env_of({{"LOKAL_PROMPT_CACHE", "512MiB"}}));
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(s->prompt_cache_bytes, 512ull << 20);
    auto bad = config::load(env_of({{"LOKAL_PROMPT_CACHE", "-1"}}));
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.err().message.rfind("LOKAL_PROMPT_CACHE: expected a size", 0), 0u) << bad.err().message;
}

TEST(config, data_dir_defaults_to_home_and_follows_lokal_data) {
    auto s = config::load(env_of({{"HOME", "/home/u"}, {"LOKAL_MODELS", "/elsewhere"}}));
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(s->data_dir, "/home/u/.lokal");  // not tied to the models dir
    auto t = config::load(env_of({{"HOME", "/home/u"}, {"LOKAL_DATA", "/srv/lokal"}}));
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t->data_dir, "/srv/lokal");
}

TEST(config, security_settings) {
    auto s = config::load(env_of({{"LOKAL_ALLOWED_HOSTS", " a.example , b.example,,"},
                                  {"LOKAL_ORIGINS", "https://x.example"},
                                  {"LOKAL_INSECURE_NO_AUTH", "1"},
                                  {"LOKAL_HEADER_TIMEOUT", "3s"},
                                  {"LOKAL_MAX_CONNECTIONS", "7"},
                                  {"LOKAL_MAX_TOKENS", "100"},
                                  {"LOKAL_REQUEST_TIMEOUT", "2m"}}));
    ASSERT_TRUE(s.ok()) << s.err().message;
    EXPECT_EQ(s->allowed_hosts, (std::vector<std::string>{"a.example", "b.example"}));
    EXPECT_EQ(s->origins, (std::vector<std::string>{"https://x.example"}));
    EXPECT_TRUE(s->insecure_no_auth);
    EXPECT_EQ(s->header_timeout, std::chrono::seconds(3));
    EXPECT_EQ(s->max_connections, 7);
    EXPECT_EQ(s->max_tokens, 100);
    EXPECT_EQ(s->request_timeout, std::chrono::minutes(2));

    auto bad = config::load(env_of({{"LOKAL_ORIGINS", "https://a.example,*"}, {"LOKAL_CORS_CREDENTIALS", "true"}}));
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.err().message.find("wildcard"), std::string::npos);
    EXPECT_FALSE(config::load(env_of({{"LOKAL_TLS_CERT", "/c.pem"}})).ok());  // key missing
    EXPECT_FALSE(config::load(env_of({{"LOKAL_HEADER_TIMEOUT", "0"}})).ok());
    EXPECT_FALSE(config::load(env_of({{"LOKAL_INSECURE_NO_AUTH", "yes please"}})).ok());
}

TEST(config, https_host_makes_clients_use_tls) {
    auto s = config::load(env_of({{"LOKAL_HOST", "https://127.0.0.1:8443"}}));
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(s->base_url(), "https://127.0.0.1:8443");
}

TEST(config, flash_attention_and_kv_cache_type) {
    auto d = config::load(env_of({}));
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->flash_attention, -1);
    EXPECT_EQ(d->kv_cache_type, "f16");
    auto s = config::load(env_of({{"LOKAL_FLASH_ATTENTION", "1"}, {"LOKAL_KV_CACHE_TYPE", "q8_0"}}));
    ASSERT_TRUE(s.ok()) << s.err().message;
    EXPECT_EQ(s->flash_attention, 1);
    EXPECT_EQ(s->kv_cache_type, "q8_0");
    EXPECT_EQ(config::load(env_of({{"LOKAL_FLASH_ATTENTION", "false"}}))->flash_attention, 0);
    auto bad = config::load(env_of({{"LOKAL_KV_CACHE_TYPE", "q2"}}));
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.err().message.find("LOKAL_KV_CACHE_TYPE"), std::string::npos);
    EXPECT_FALSE(config::load(env_of({{"LOKAL_FLASH_ATTENTION", "maybe"}})).ok());
}
