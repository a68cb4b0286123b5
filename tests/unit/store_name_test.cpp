#include "store/digest.h"
#include "store/name.h"

#include <gtest/gtest.h>

using namespace lokal;
using namespace lokal::store;

namespace {

model_name must_parse_name(std::string_view s) {
    auto n = parse_model_name(s);
    EXPECT_TRUE(n.ok()) << s << ": " << (n ? "" : n.err().message);
    return n ? *n : model_name{};
}

const std::string k_hex = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

}  // namespace

TEST(StoreName, DefaultsAreFilledIn) {
    model_name n = must_parse_name("stories");
    EXPECT_EQ(n.host, "registry.ollama.ai");
    EXPECT_EQ(n.ns, "library");
    EXPECT_EQ(n.model, "stories");
    EXPECT_EQ(n.tag, "latest");
    EXPECT_EQ(n.display_short(), "stories:latest");
    EXPECT_EQ(n.manifest_relpath(), "registry.ollama.ai/library/stories/latest");
    EXPECT_EQ(n.to_string(), "registry.ollama.ai/library/stories:latest");
}

TEST(StoreName, AllForms) {
    model_name n = must_parse_name("myns/m:v1.2");
    EXPECT_EQ(n.ns, "myns");
    EXPECT_EQ(n.tag, "v1.2");
    EXPECT_EQ(n.display_short(), "myns/m:v1.2");

    n = must_parse_name("example.com:5000/team/llama3.2:8b-q4_K_M");
    EXPECT_EQ(n.host, "example.com:5000");
    EXPECT_EQ(n.ns, "team");
    EXPECT_EQ(n.model, "llama3.2");
    EXPECT_EQ(n.tag, "8b-q4_K_M");
    EXPECT_EQ(n.display_short(), "example.com:5000/team/llama3.2:8b-q4_K_M");

    // a port is not a tag
    n = must_parse_name("localhost:5000/ns/m");
    EXPECT_EQ(n.host, "localhost:5000");
    EXPECT_EQ(n.tag, "latest");

    n = must_parse_name("https://registry.ollama.ai/library/m:t");
    EXPECT_EQ(n.host, "registry.ollama.ai");
    EXPECT_EQ(n.display_short(), "m:t");

    // default host with another namespace: host omitted, namespace kept
    EXPECT_EQ(must_parse_name("registry.ollama.ai/other/m").display_short(), "other/m:latest");
    // case-insensitive default host still counts as default
    EXPECT_EQ(must_parse_name("REGISTRY.ollama.ai/Library/M:T").display_short(), "M:T");
}

TEST(StoreName, DigestSuffixIsParsedAndKeptOutOfThePath) {
    model_name n = must_parse_name("m:t@sha256:" + k_hex);
    EXPECT_EQ(n.digest, "sha256:" + k_hex);
    EXPECT_EQ(n.tag, "t");
    EXPECT_EQ(n.manifest_relpath(), "registry.ollama.ai/library/m/t");
    n = must_parse_name("m@sha256-" + k_hex);
    EXPECT_EQ(n.tag, "latest");
    EXPECT_EQ(n.digest, "sha256:" + k_hex);
    EXPECT_FALSE(parse_model_name("m@sha256:abc"));
    EXPECT_FALSE(parse_model_name("m@"));
    EXPECT_FALSE(parse_model_name("@sha256:" + k_hex));
}

TEST(StoreName, RejectsTraversalAndSeparators) {
    for (const std::string & bad : std::vector<std::string>{"", "..", ".", "../x", "a/../../b", "a/./b", "./m", "m/..", "ns/../m", "..:tag", "m:..",
                            "m:.hidden", "h/n/../t", "a/b/c/d", "a/b/c/d/e", "a\\b", "m:t:u/x", "/m", "m/", "ns//m",
                            "m:", ":t", "m t", "m\n", std::string("m\0x", 3), "ns.dots/m", "-m", "m:-t", "mé", "a/b/c/d:t"}) {
        auto n = parse_model_name(bad);
        EXPECT_FALSE(n.ok()) << "accepted " << bad;
        if (!n) {
            EXPECT_EQ(n.err().code, errc::invalid_request);
        }
    }
}

TEST(StoreName, NoAcceptedNameYieldsADotPart) {
    // Fuzz-like sweep over short strings from a hostile alphabet.
    const std::string alphabet = "a./:_-@";
    std::string s;
    for (int len = 1; len <= 5; ++len) {
        std::vector<size_t> idx(len, 0);
        for (;;) {
            s.clear();
            for (size_t i : idx) s.push_back(alphabet[i]);
            if (auto n = parse_model_name(s)) {
                for (const std::string * p : {&n->host, &n->ns, &n->model, &n->tag}) {
                    EXPECT_NE(*p, ".");
                    EXPECT_NE(*p, "..");
                    EXPECT_EQ(p->find('/'), std::string::npos) << s;
                    EXPECT_FALSE(p->empty()) << s;
                }
            }
            size_t k = 0;
            while (k < idx.size() && ++idx[k] == alphabet.size()) idx[k++] = 0;
            if (k == idx.size()) break;
        }
    }
}

TEST(StoreName, LengthLimits) {
    EXPECT_TRUE(parse_model_name(std::string(80, 'm')));
    EXPECT_FALSE(parse_model_name(std::string(81, 'm')));
    EXPECT_TRUE(parse_model_name("m:" + std::string(80, 't')));
    EXPECT_FALSE(parse_model_name("m:" + std::string(81, 't')));
    EXPECT_FALSE(parse_model_name(std::string(81, 'n') + "/m"));
    EXPECT_TRUE(parse_model_name(std::string(350, 'h') + "/n/m"));
    EXPECT_FALSE(parse_model_name(std::string(351, 'h') + "/n/m"));
}

TEST(StoreName, CaseInsensitiveEquality) {
    EXPECT_TRUE(must_parse_name("Stories:LATEST").equals(must_parse_name("stories")));
    EXPECT_FALSE(must_parse_name("stories:v2").equals(must_parse_name("stories")));
    EXPECT_TRUE(iequals("AbC", "aBc"));
    EXPECT_FALSE(iequals("abc", "abd"));
}

TEST(StoreName, FromParts) {
    auto n = name_from_parts("registry.ollama.ai", "library", "m", "t");
    ASSERT_TRUE(n);
    EXPECT_EQ(n->display_short(), "m:t");
    EXPECT_FALSE(name_from_parts("registry.ollama.ai", "library", "..", "t"));
    EXPECT_FALSE(name_from_parts("registry.ollama.ai", "lib.rary", "m", "t"));
    EXPECT_FALSE(name_from_parts("h", "n", "m", ".lokal-tmp-1"));
}

TEST(StoreDigest, ParseAndNormalise) {
    auto d = parse_digest("sha256:" + k_hex);
    ASSERT_TRUE(d);
    EXPECT_EQ(*d, "sha256:" + k_hex);
    d = parse_digest("sha256-" + k_hex);
    ASSERT_TRUE(d);
    EXPECT_EQ(*d, "sha256:" + k_hex);
    EXPECT_EQ(blob_file_name(*d), "sha256-" + k_hex);
    EXPECT_TRUE(is_normal_digest(*d));
    EXPECT_FALSE(is_normal_digest("sha256-" + k_hex));

    std::string upper = k_hex;
    upper[10] = 'A';
    for (const std::string & bad : std::vector<std::string>{std::string(), "sha256:" + k_hex.substr(1), "sha256:" + k_hex + "0", "sha512:" + k_hex,
                            "sha256_" + k_hex, "sha256:" + upper, "sha256:../../../../etc/passwd",
                            "sha256:" + k_hex.substr(0, 63) + "/", k_hex}) {
        auto r = parse_digest(bad);
        EXPECT_FALSE(r.ok()) << bad;
        if (!r) {
            EXPECT_EQ(r.err().message, "invalid digest format");
        }
        EXPECT_EQ(blob_file_name(bad), "");
    }
}

TEST(StoreDigest, Sha256) {
    EXPECT_EQ(digest_of(""), "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(digest_of("abc"), "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    sha256 h;
    h.update("a");
    h.update("bc");
    EXPECT_EQ("sha256:" + h.finish_hex(), digest_of("abc"));
}
