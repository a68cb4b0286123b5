// Templates are untrusted: hostile ones must fail cleanly, quickly and with a
// message naming the limit, never crash or run away.
#include "template/ollama.h"
#include "template/template.h"

#include <gtest/gtest.h>

#include <chrono>

using namespace lokal;
using namespace lokal::tmpl;

namespace {

std::string repeat(std::string_view s, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) {
        out += s;
    }
    return out;
}

// Parses and renders; returns the error message (empty on success).
std::string failure_of(const std::string & text, const json & data = json::object(), const limits & lim = {}) {
    result<template_ptr> t = parse(text);
    if (!t) {
        return t.err().message;
    }
    result<std::string> out = render(**t, data, lim);
    return out ? "" : out.err().message;
}

// An unoptimised AddressSanitizer build (make sanitize) runs this work
// about 5 times slower, and 8 times on a busy machine (23 s measured); the
// bound still catches a runaway template, which the step budget alone
// would not (a budget set too high).
#if defined(__SANITIZE_ADDRESS__)
constexpr int slowdown = 20;
#else
constexpr int slowdown = 1;
#endif

class timed : public ::testing::Test {
protected:
    void TearDown() override {
        const auto elapsed = std::chrono::steady_clock::now() - start_;
        EXPECT_LT(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count(), 3000 * slowdown);
    }

private:
    std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

using template_limits = timed;

}  // namespace

TEST_F(template_limits, DeepNestingIsRefusedWhileParsing) {
    EXPECT_EQ(failure_of(repeat("{{if 1}}", 100000) + repeat("{{end}}", 100000)),
              "template: :1: max expression depth exceeded");
    EXPECT_EQ(failure_of("{{" + repeat("(", 100000) + "1" + repeat(")", 100000) + "}}"),
              "template: :1: max expression depth exceeded");
}

TEST_F(template_limits, InfiniteRecursionStopsAtTheDepthLimit) {
    const std::string msg = "template: nesting deeper than the limit of 256 levels";
    EXPECT_EQ(failure_of(R"({{define "a"}}{{template "a" .}}{{end}}{{template "a" .}})"), msg);
    EXPECT_EQ(failure_of(R"({{template "" .}})"), msg);
    EXPECT_EQ(failure_of(R"({{define "a"}}{{range 10}}{{template "a"}}{{end}}{{end}}{{template "a"}})"), msg);
}

TEST_F(template_limits, ExponentialRecursionRunsOutOfSteps) {
    json data = json::object();
    data["arr"] = json::array();
    for (int i = 0; i < 60; ++i) {
        data["arr"].push_back(i);
    }
    EXPECT_EQ(failure_of(R"({{define "a"}}{{if .}}{{template "a" slice . 1}}{{template "a" slice . 1}}{{end}}{{end}})"
                         R"({{template "a" .arr}})",
                         data),
              "template: execution longer than the limit of 5000000 steps");
}

TEST_F(template_limits, HugeRangesRunOutOfSteps) {
    const std::string msg = "template: execution longer than the limit of 5000000 steps";
    EXPECT_EQ(failure_of("{{range 1000000000000}}{{end}}"), msg);
    EXPECT_EQ(failure_of("{{range $i := 100000}}{{range $j := 100000}}{{end}}{{end}}"), msg);
}

TEST_F(template_limits, OutputBombsHitTheOutputLimit) {
    const std::string msg = "template: output larger than the limit of 16777216 bytes";
    EXPECT_EQ(failure_of("{{range 100000000}}" + std::string(100, 'x') + "{{end}}"), msg);
    EXPECT_EQ(failure_of(R"({{range 100000}}{{printf "%1000000d" 1}}{{end}})"), msg);
    EXPECT_EQ(failure_of(R"({{$x := "a"}}{{range 100}}{{$x = printf "%s%s" $x $x}}{{end}}{{len $x}})"),
              "template: a value larger than the limit of 16777216 bytes");
}

TEST_F(template_limits, LimitsAreConfigurable) {
    limits lim;
    lim.max_output_bytes = 10;
    EXPECT_EQ(failure_of("{{range 3}}abcd{{end}}", json::object(), lim),
              "template: output larger than the limit of 10 bytes");
    lim = limits{};
    lim.max_depth = 3;
    EXPECT_EQ(failure_of("{{if 1}}{{if 1}}{{if 1}}x{{end}}{{end}}{{end}}", json::object(), lim),
              "template: nesting deeper than the limit of 3 levels");
    lim = limits{};
    lim.max_steps = 100;
    result<template_ptr> t = parse("{{range 1000}}{{end}}");
    ASSERT_TRUE(t.ok());
    result<std::string> out = render(**t, json::object(), lim);
    ASSERT_FALSE(out.ok());
    EXPECT_EQ(out.err().code, errc::invalid_request);
}

TEST_F(template_limits, ChatRenderingSharesOneBudget) {
    // A legacy template runs once per turn; all turns draw on one budget.
    result<template_ptr> t = parse("{{ .Prompt }}{{range 400000}}{{end}}");
    ASSERT_TRUE(t.ok());
    std::vector<chat_turn> msgs;
    for (int i = 0; i < 40; ++i) {
        msgs.push_back(chat_turn{i % 2 == 0 ? "user" : "assistant", "m", "", {}, nullptr, "", ""});
    }
    result<std::string> out = render_chat(**t, msgs);
    ASSERT_FALSE(out.ok());
    EXPECT_EQ(out.err().message, "template: execution longer than the limit of 5000000 steps");
}

TEST_F(template_limits, GarbageNeverCrashes) {
    // Truncations of a template with every construct, each parsed and run.
    const std::string full =
        R"({{- define "d" }}{{ range $i, $e := . }}{{ if eq $i 1 }}{{ break }}{{ end }}{{ $e | printf "%v" }})"
        R"({{ end }}{{ end }}{{ with .A }}{{ template "d" . }}{{ else with .B }}{{ . }}{{ else }}{{ json $ }})"
        R"({{ end }}{{/* c */}}{{ block "b" (slice .A 1) }}{{ index . 0 }}{{ end }}{{ $x := 'a' }}{{ $x = `r` -}})";
    const json data = json::parse(R"({"A": [1, "two", {"k": null}], "B": {"z": 1.5}})");
    for (std::size_t n = 0; n <= full.size(); ++n) {
        result<template_ptr> t = parse(full.substr(0, n));
        if (t) {
            (void)render(**t, data);
        }
    }
    result<template_ptr> t = parse(full);
    ASSERT_TRUE(t.ok()) << t.err().message;
    result<std::string> out = render(**t, data);
    ASSERT_TRUE(out.ok()) << out.err().message;
    EXPECT_EQ(*out, "1two");
}
