// Counters, gauges and summaries for GET /metrics, rendered in Prometheus'
// text exposition format 0.0.4. The registry is owned by the app and shared
// by the handlers; every method is thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lokal::metrics {

enum class kind { counter, gauge, summary };

// Label pairs in the order they are written, e.g. {{"route", "/api/chat"}}.
using labels = std::vector<std::pair<std::string, std::string>>;

class registry {
public:
    // Declares a metric family; each name once, before it is used. Families
    // render in the order they were declared. A family without labels renders
    // as 0 until it is first touched; a labelled one has no samples until then.
    void declare(std::string name, kind k, std::string help, bool labelled = false);

    // Counter: adds v (negative amounts are ignored: counters never go down).
    void add(std::string_view name, double v, const labels & l = {});
    // Gauge: sets the value.
    void set(std::string_view name, double v, const labels & l = {});
    // Summary: one observation (adds to _sum, counts in _count).
    void observe(std::string_view name, double v, const labels & l = {});
    // Summary: replaces _sum and _count with totals kept elsewhere.
    void set_summary(std::string_view name, double sum, uint64_t count, const labels & l = {});

    // The current value of a counter or gauge series (0 when absent); for tests.
    double value(std::string_view name, const labels & l = {}) const;

    std::string render() const;

private:
    struct series {
        std::string label_text;  // rendered labels without braces, "" for none
        double value = 0;
        double sum = 0;
        uint64_t count = 0;
    };
    struct family {
        std::string name;
        kind type;
        std::string help;
        bool labelled = false;
        std::vector<series> rows;
    };

    series * find_locked(std::string_view name, kind k, const labels & l);

    mutable std::mutex mu_;
    std::vector<family> families_;
};

// Label values: backslash, double quote and newline escaped, as the format asks.
std::string escape_label_value(std::string_view v);
// HELP text: backslash and newline escaped.
std::string escape_help(std::string_view v);
// A sample value: integers without a fraction, others in shortest round-trip
// form, and +Inf, -Inf, NaN.
std::string format_value(double v);

}  // namespace lokal::metrics
