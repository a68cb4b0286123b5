// The metrics registry and its Prometheus text rendering (format 0.0.4).
#include "metrics/names.h"
#include "metrics/registry.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

using namespace lokal;

TEST(metrics, renders_help_type_and_samples) {
    metrics::registry r;
    r.declare("lokal_things_total", metrics::kind::counter, "Things seen.");
    r.declare("lokal_level", metrics::kind::gauge, "A level.");
    r.add("lokal_things_total", 3);
    r.set("lokal_level", 1.5);
    EXPECT_EQ(r.render(),
              "# HELP lokal_things_total Things seen.\n"
              "# TYPE lokal_things_total counter\n"
              "lokal_things_total 3\n"
              "# HELP lokal_level A level.\n"
              "# TYPE lokal_level gauge\n"
              "lokal_level 1.5\n");
}

TEST(metrics, unlabelled_families_render_zero_labelled_ones_nothing) {
    metrics::registry r;
    r.declare("a_total", metrics::kind::counter, "A.");
    r.declare("b_total", metrics::kind::counter, "B.", true);
    r.declare("c_seconds", metrics::kind::summary, "C.");
    EXPECT_EQ(r.render(),
              "# HELP a_total A.\n# TYPE a_total counter\na_total 0\n"
              "# HELP b_total B.\n# TYPE b_total counter\n"
              "# HELP c_seconds C.\n# TYPE c_seconds summary\nc_seconds_sum 0\nc_seconds_count 0\n");
}

TEST(metrics, labels_in_order_one_series_each) {
    metrics::registry r;
    r.declare("req_total", metrics::kind::counter, "Requests.", true);
    r.add("req_total", 1, {{"route", "/api/generate"}, {"code", "200"}});
    r.add("req_total", 1, {{"route", "/api/generate"}, {"code", "404"}});
    r.add("req_total", 1, {{"route", "/api/generate"}, {"code", "200"}});
    EXPECT_EQ(r.render(),
              "# HELP req_total Requests.\n# TYPE req_total counter\n"
              "req_total{route=\"/api/generate\",code=\"200\"} 2\n"
              "req_total{route=\"/api/generate\",code=\"404\"} 1\n");
    EXPECT_EQ(r.value("req_total", {{"route", "/api/generate"}, {"code", "200"}}), 2);
}

TEST(metrics, label_values_and_help_are_escaped) {
    EXPECT_EQ(metrics::escape_label_value("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
    EXPECT_EQ(metrics::escape_help("x\\y\nz \"q\""), "x\\\\y\\nz \"q\"");
    metrics::registry r;
    r.declare("m", metrics::kind::gauge, "line one\nline \\two");
    r.set("m", 1, {{"path", "C:\\dir \"x\"\n"}});
    EXPECT_EQ(r.render(), "# HELP m line one\\nline \\\\two\n# TYPE m gauge\nm{path=\"C:\\\\dir \\\"x\\\"\\n\"} 1\n");
}

TEST(metrics, values_format) {
    EXPECT_EQ(metrics::format_value(0), "0");
    EXPECT_EQ(metrics::format_value(42), "42");
    EXPECT_EQ(metrics::format_value(-7), "-7");
    EXPECT_EQ(metrics::format_value(0.25), "0.25");
    EXPECT_EQ(metrics::format_value(1e300), "1e+300");
    EXPECT_EQ(metrics::format_value(1.0 / 0.0), "+Inf");
    EXPECT_EQ(metrics::format_value(-1.0 / 0.0), "-Inf");
    EXPECT_EQ(metrics::format_value(0.0 / 0.0), "NaN");
}

TEST(metrics, counters_never_go_down) {
    metrics::registry r;
    r.declare("c_total", metrics::kind::counter, "C.");
    r.add("c_total", 5);
    r.add("c_total", -3);
    r.add("c_total", 0.0 / 0.0);
    EXPECT_EQ(r.value("c_total"), 5);
    r.add("c_total", 2);
    EXPECT_EQ(r.value("c_total"), 7);
}

TEST(metrics, summary_sum_and_count) {
    metrics::registry r;
    r.declare("d_seconds", metrics::kind::summary, "D.");
    r.observe("d_seconds", 0.5);
    r.observe("d_seconds", 1.25);
    EXPECT_NE(r.render().find("d_seconds_sum 1.75\nd_seconds_count 2\n"), std::string::npos);
    r.set_summary("d_seconds", 10, 4);
    EXPECT_NE(r.render().find("d_seconds_sum 10\nd_seconds_count 4\n"), std::string::npos);
}

TEST(metrics, a_family_keeps_its_type) {
    metrics::registry r;
    r.declare("g", metrics::kind::gauge, "G.");
    r.add("g", 3);  // not a counter: ignored
    r.set("g", 2);
    EXPECT_EQ(r.value("g"), 2);
}

TEST(metrics, lokal_families_are_declared) {
    metrics::registry r;
    metrics::declare_lokal_metrics(r);
    auto text = r.render();
    for (auto name : {metrics::requests_total, metrics::prompt_tokens_total, metrics::cached_prompt_tokens_total,
                      metrics::generated_tokens_total, metrics::request_duration_seconds, metrics::models_loaded,
                      metrics::queue_pending, metrics::slots_busy, metrics::model_load_seconds}) {
        EXPECT_NE(text.find("# TYPE " + std::string(name) + " "), std::string::npos) << name;
        EXPECT_EQ(name.substr(0, 6), "lokal_");
    }
}

TEST(metrics, concurrent_updates_and_renders) {
    metrics::registry r;
    r.declare("n_total", metrics::kind::counter, "N.", true);
    constexpr int threads = 8, per_thread = 2000;
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; t++) {
        pool.emplace_back([&r, t] {
            for (int i = 0; i < per_thread; i++) {
                r.add("n_total", 1, {{"code", i % 2 ? "200" : "404"}});
                if (t == 0 && i % 100 == 0) (void)r.render();
            }
        });
    }
    for (auto & th : pool) th.join();
    EXPECT_EQ(r.value("n_total", {{"code", "200"}}) + r.value("n_total", {{"code", "404"}}), threads * per_thread);
}
