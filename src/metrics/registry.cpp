#include "metrics/registry.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace lokal::metrics {

namespace {

const char * type_name(kind k) {
    switch (k) {
        case kind::counter: return "counter";
        case kind::gauge: return "gauge";
        case kind::summary: return "summary";
    }
    return "untyped";
}

std::string label_text(const labels & l) {
    std::string out;
    for (const auto & [k, v] : l) {
        if (!out.empty()) out += ',';
        out += k;
        out += "=\"";
        out += escape_label_value(v);
        out += '"';
    }
    return out;
}

// name{labels} value\n, with the braces left out when there are no labels.
void write_sample(std::string & out, std::string_view name, std::string_view suffix, const std::string & lbl,
                  double v) {
    out += name;
    out += suffix;
    if (!lbl.empty()) {
        out += '{';
        out += lbl;
        out += '}';
    }
    out += ' ';
    out += format_value(v);
    out += '\n';
}

}  // namespace

std::string escape_label_value(std::string_view v) {
    std::string out;
    out.reserve(v.size());
    for (char c : v) {
        if (c == '\\') out += "\\\\";
        else if (c == '"') out += "\\\"";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
    return out;
}

std::string escape_help(std::string_view v) {
    std::string out;
    out.reserve(v.size());
    for (char c : v) {
        if (c == '\\') out += "\\\\";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
    return out;
}

std::string format_value(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    if (v == std::trunc(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<int64_t>(v));
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, res.ptr);
}

void registry::declare(std::string name, kind k, std::string help, bool labelled) {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto & f : families_) {
        if (f.name == name) return;
    }
    families_.push_back(family{std::move(name), k, std::move(help), labelled, {}});
}

registry::series * registry::find_locked(std::string_view name, kind k, const labels & l) {
    auto f = std::find_if(families_.begin(), families_.end(), [&](const family & x) { return x.name == name; });
    // An undeclared name is our bug; declare it without help rather than lose the sample.
    if (f == families_.end()) f = families_.insert(families_.end(), family{std::string(name), k, "", !l.empty(), {}});
    if (f->type != k) return nullptr;
    auto text = label_text(l);
    for (auto & s : f->rows) {
        if (s.label_text == text) return &s;
    }
    f->rows.push_back(series{std::move(text)});
    return &f->rows.back();
}

void registry::add(std::string_view name, double v, const labels & l) {
    if (!(v >= 0)) return;
    std::lock_guard<std::mutex> lock(mu_);
    if (auto * s = find_locked(name, kind::counter, l)) s->value += v;
}

void registry::set(std::string_view name, double v, const labels & l) {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto * s = find_locked(name, kind::gauge, l)) s->value = v;
}

void registry::observe(std::string_view name, double v, const labels & l) {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto * s = find_locked(name, kind::summary, l)) {
        s->sum += v;
        s->count++;
    }
}

void registry::set_summary(std::string_view name, double sum, uint64_t count, const labels & l) {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto * s = find_locked(name, kind::summary, l)) {
        s->sum = sum;
        s->count = count;
    }
}

double registry::value(std::string_view name, const labels & l) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto text = label_text(l);
    for (const auto & f : families_) {
        if (f.name != name) continue;
        for (const auto & s : f.rows) {
            if (s.label_text == text) return s.value;
        }
    }
    return 0;
}

std::string registry::render() const {
    std::lock_guard<std::mutex> lock(mu_);
    std::string out;
    for (const auto & f : families_) {
        if (!f.help.empty()) out += "# HELP " + f.name + " " + escape_help(f.help) + "\n";
        out += "# TYPE " + f.name + " " + type_name(f.type) + "\n";
        std::vector<series> rows = f.rows;
        if (rows.empty() && !f.labelled) rows.push_back(series{});
        for (const auto & s : rows) {
            if (f.type == kind::summary) {
                write_sample(out, f.name, "_sum", s.label_text, s.sum);
                write_sample(out, f.name, "_count", s.label_text, static_cast<double>(s.count));
            } else {
                write_sample(out, f.name, "", s.label_text, s.value);
            }
        }
    }
    return out;
}

}  // namespace lokal::metrics
