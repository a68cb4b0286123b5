// Ollama's template.Named: the embedded table and the Levenshtein matcher.
#include "core/json.h"
#include "template/named.h"
#include "test_data.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace lokal;
using namespace lokal::tmpl;

namespace {

using test::k_compat;

// The plain O(n*m) distance, to check the banded one against.
size_t naive(const std::u32string & a, const std::u32string & b) {
    std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
        }
        std::swap(prev, cur);
    }
    return prev[b.size()];
}

}  // namespace

TEST(template_named, BandedDistanceAgreesWithThePlainOne) {
    std::mt19937 rng(42);
    for (int round = 0; round < 400; ++round) {
        auto word = [&] {
            std::u32string s(rng() % 40, U'a');
            for (auto & c : s) c = U'a' + static_cast<char32_t>(rng() % 3);
            return s;
        };
        std::u32string a = word(), b = word();
        size_t want = naive(a, b);
        for (size_t bound : {size_t{0}, size_t{1}, size_t{3}, size_t{10}, size_t{100}}) {
            EXPECT_EQ(edit_distance_below(a, b, bound), std::min(want, bound)) << round << " bound " << bound;
        }
    }
}

TEST(template_named, ClosestUnderOneHundredFirstOnATie) {
    const named_template table[] = {
        {"a", "xxxxxxxxxxhello", "A", ""},
        {"b", "hello", "B", ""},
        {"c", "hellp", "C", ""},  // as close as "b" to "hellq": the first wins
    };
    EXPECT_EQ(match_named("hello", table)->name, "b");
    EXPECT_EQ(match_named("hellq", table)->name, "b");
    EXPECT_EQ(match_named(std::string(99, 'z') + "hello", table)->name, "a");  // 99 edits from "a" and "b"
    EXPECT_EQ(match_named(std::string(120, 'z'), table), nullptr);          // 100 or more from all
    EXPECT_EQ(match_named("hello", std::span<const named_template>{}), nullptr);
}

TEST(template_named, CountsCodePointsNotBytes) {
    const named_template table[] = {{"u", "h\xC3\xA9llo", "U", ""}};  // "héllo"
    std::string far = "hello";
    for (int i = 0; i < 98; ++i) far += "\xC3\xA9";  // 99 edits: 1 + 98 code points, 197 bytes
    EXPECT_EQ(match_named(far, table)->name, "u");
    EXPECT_EQ(match_named(far + "\xC3\xA9", table), nullptr);
    // Invalid bytes count one each, as Go's []rune makes them U+FFFD.
    EXPECT_EQ(match_named("h\xFF\xFFllo", table)->name, "u");
}

TEST(template_named, EveryKnownJinjaTemplateGetsOllamasName) {
    const fs::path corpus = k_compat / "jinja-to-template-name.jsonl";
    if (!fs::exists(corpus)) GTEST_SKIP() << "no compat corpus at " << corpus;
    ASSERT_FALSE(named_templates().empty()) << "lokal was built without Ollama's named templates";
    std::ifstream in(corpus);
    std::string line;
    int checked = 0;
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        json j = json::parse(line);
        for (auto it = j.begin(); it != j.end(); ++it) {
            const named_template * t = match_named(it.value().get<std::string>());
            ASSERT_NE(t, nullptr) << it.key();
            EXPECT_EQ(t->name, it.key());
            ++checked;
        }
    }
    EXPECT_GE(checked, 30);
    EXPECT_EQ(match_named("{{ messages }}"), nullptr);
}

TEST(template_named, TableHoldsTheGoTemplateAndItsStops) {
    if (named_templates().empty()) GTEST_SKIP() << "built without Ollama's named templates";
    for (const auto & t : named_templates()) {
        std::ifstream f(k_compat / "templates" / (std::string(t.name) + ".gotmpl"), std::ios::binary);
        ASSERT_TRUE(f) << t.name;
        std::stringstream ss;
        ss << f.rdbuf();
        std::string want = ss.str();
        for (size_t at; (at = want.find("\r\n")) != std::string::npos;) want.erase(at, 1);
        EXPECT_EQ(t.go_template, want) << t.name;
    }
    const named_template * chatml = match_named(named_templates()[0].jinja);
    ASSERT_NE(chatml, nullptr);
    EXPECT_EQ(json::parse(chatml->params), json::parse(R"({"stop":["<|im_start|>","<|im_end|>"]})"));
}
