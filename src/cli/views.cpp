#include "cli/views.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace lokal::cli {

namespace {

using rows_t = std::vector<std::vector<std::string>>;

std::string str(const json & j, const char * key) {
    if (!j.is_object()) return "";
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

std::optional<double> num(const json & j, const std::string & key) {
    if (!j.is_object()) return std::nullopt;
    auto it = j.find(key);
    if (it == j.end() || !it->is_number()) return std::nullopt;
    return it->get<double>();
}

int64_t int_field(const json & j, const char * key) {
    auto v = num(j, key);
    return v ? static_cast<int64_t>(*v) : 0;
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

std::string short_id(const std::string & digest) {
    std::string hex = digest.rfind("sha256:", 0) == 0 ? digest.substr(7) : digest;
    return hex.substr(0, 12);
}

// Go's strconv 'g' with the shortest precision: exponent form when the
// exponent is below -4 or at least `limit` (6 for %g, 21 for %v).
std::string go_float(double d, int limit) {
    if (std::isnan(d)) return "NaN";
    if (std::isinf(d)) return d > 0 ? "+Inf" : "-Inf";
    char buf[64];
    auto sci = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
    std::string s(buf, sci.ptr);
    const auto e = s.find('e');
    const int exp = std::stoi(s.substr(e + 1));
    if (exp < -4 || exp >= limit) return s;
    auto fixed = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed);
    return std::string(buf, fixed.ptr);
}

// "%v" of one array element inside the Metadata view.
std::string go_element_text(const json & v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
    if (v.is_number()) return go_float(v.get<double>(), 21);
    return v.dump();
}

// Arrays are cut to what fits a narrow column: "[a b ...+98 more]".
std::string metadata_array_text(const json & arr) {
    constexpr size_t target_width = 10;
    size_t total = 1, shown = 0;
    for (size_t i = 0; i < arr.size(); ++i) {
        size_t w = display_width(go_element_text(arr[i])) + (i > 0 ? 2 : 0);
        if (total + w > target_width && i > 0) break;
        total += w;
        ++shown;
    }
    std::string out = "[";
    for (size_t i = 0; i < shown; ++i) out += (i ? " " : "") + go_element_text(arr[i]);
    if (shown < arr.size()) return out + " ...+" + std::to_string(arr.size() - shown) + " more]";
    return out + "]";
}

// First n non-empty lines, then "..." when there were more.
rows_t head_rows(const std::string & text, int n) {
    rows_t rows;
    std::istringstream in(text);
    std::string line;
    int count = 0;
    while (std::getline(in, line)) {
        auto b = line.find_first_not_of(" \t\r");
        if (b == std::string::npos) continue;
        auto e = line.find_last_not_of(" \t\r");
        if (++count <= n) rows.push_back({"", line.substr(b, e - b + 1)});
    }
    if (count > n) rows.push_back({"", "..."});
    return rows;
}

std::string section(const std::string & title, const rows_t & rows, size_t wrap = 30) {
    return "  " + title + "\n" + render_table({}, rows, wrap) + "\n";
}

rows_t model_rows(const json & show) {
    rows_t rows;
    const json details = show.value("details", json::object());
    if (!str(show, "remote_host").empty()) {
        rows.push_back({"", "Remote model", str(show, "remote_model")});
        rows.push_back({"", "Remote URL", str(show, "remote_host")});
    }
    const json info = show.value("model_info", json());
    if (info.is_object()) {
        const std::string arch = str(info, "general.architecture");
        if (!arch.empty()) rows.push_back({"", "architecture", arch});
        std::string params = str(details, "parameter_size");
        if (params.empty()) {
            if (auto n = num(info, "general.parameter_count")) params = human_number(static_cast<uint64_t>(*n));
        }
        if (!params.empty()) rows.push_back({"", "parameters", params});
        if (auto v = num(info, arch + ".context_length")) rows.push_back({"", "context length", go_float(*v, 1000)});
        if (auto v = num(info, arch + ".embedding_length")) rows.push_back({"", "embedding length", go_float(*v, 1000)});
    } else {
        rows.push_back({"", "architecture", str(details, "family")});
        rows.push_back({"", "parameters", str(details, "parameter_size")});
    }
    rows.push_back({"", "quantization", str(details, "quantization_level")});
    if (!str(show, "requires").empty()) rows.push_back({"", "requires", str(show, "requires")});
    return rows;
}

rows_t projector_rows(const json & proj) {
    rows_t rows;
    const std::string arch = str(proj, "general.architecture");
    if (!arch.empty()) rows.push_back({"", "architecture", arch});
    if (auto n = num(proj, "general.parameter_count")) {
        rows.push_back({"", "parameters", human_number(static_cast<uint64_t>(*n))});
    }
    auto modal = [&](const std::string & suffix) -> std::optional<double> {
        for (const char * m : {"vision", "audio"}) {
            if (auto v = num(proj, arch + "." + m + "." + suffix)) return v;
        }
        return std::nullopt;
    };
    if (auto v = modal("embedding_length")) rows.push_back({"", "embedding length", go_float(*v, 1000)});
    if (auto v = modal("projection_dim")) rows.push_back({"", "dimensions", go_float(*v, 1000)});
    return rows;
}

rows_t parameter_rows(const std::string & parameters) {
    rows_t rows;
    std::istringstream in(parameters);
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::vector<std::string> row{""};
        for (std::string f; fields >> f;) row.push_back(f);
        if (row.size() > 1) rows.push_back(row);
    }
    return rows;
}

rows_t metadata_rows(const json & info) {
    std::vector<std::string> keys;
    for (auto it = info.begin(); it != info.end(); ++it) keys.push_back(it.key());
    std::sort(keys.begin(), keys.end());
    rows_t rows;
    for (const auto & k : keys) rows.push_back({"", k, go_value_text(info[k])});
    return rows;
}

rows_t tensor_rows(const json & tensors) {
    rows_t rows;
    for (const auto & t : tensors) {
        std::string shape = "[";
        for (const auto & d : t.value("shape", json::array())) shape += (shape.size() > 1 ? " " : "") + d.dump();
        rows.push_back({"", str(t, "name"), str(t, "type"), shape + "]"});
    }
    return rows;
}

}  // namespace

std::string json_string(const json & j, const char * key) { return str(j, key); }

int64_t json_int(const json & j, const char * key) { return int_field(j, key); }

bool json_bool(const json & j, const char * key) {
    if (!j.is_object()) return false;
    auto it = j.find(key);
    return it != j.end() && it->is_boolean() && it->get<bool>();
}

std::string go_value_text(const json & v) {
    if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number()) return go_float(v.get<double>(), 6);
    if (v.is_array()) return metadata_array_text(v);
    if (v.is_null()) return "<nil>";
    return "map[string]interface {}";
}

std::string format_list(const json & tags, const std::string & filter, sys_time now) {
    std::vector<std::vector<std::string>> rows;
    for (const auto & m : tags.value("models", json::array())) {
        const std::string name = str(m, "name");
        if (!filter.empty() && lower(name).rfind(lower(filter), 0) != 0) continue;
        const std::string size = str(m, "remote_model").empty() ? human_bytes(int_field(m, "size")) : "-";
        rows.push_back({name, short_id(str(m, "digest")), size,
                        human_time(parse_rfc3339(str(m, "modified_at")), now, "Never")});
    }
    return render_table({"NAME", "ID", "SIZE", "MODIFIED"}, rows);
}

std::string format_ps(const json & ps, const std::string & filter, sys_time now) {
    std::vector<std::vector<std::string>> rows;
    for (const auto & m : ps.value("models", json::array())) {
        const std::string name = str(m, "name");
        if (!filter.empty() && name.rfind(filter, 0) != 0) continue;
        const int64_t size = int_field(m, "size"), vram = int_field(m, "size_vram");
        std::string processor;
        if (vram == 0) {
            processor = "100% CPU";
        } else if (vram == size) {
            processor = "100% GPU";
        } else if (vram > size || size == 0) {
            processor = "Unknown";
        } else {
            const auto cpu = static_cast<int>(std::round(static_cast<double>(size - vram) / size * 100));
            processor = std::to_string(cpu) + "%/" + std::to_string(100 - cpu) + "% CPU/GPU";
        }
        // Go's zero time (or none at all) has long passed: the model is on its way out.
        auto expires = parse_rfc3339(str(m, "expires_at"));
        std::string until = !expires || *expires < now ? "Stopping..." : human_time(expires, now, "Never");
        rows.push_back({name, short_id(str(m, "digest")), human_bytes(size), processor,
                        std::to_string(int_field(m, "context_length")), until});
    }
    return render_table({"NAME", "ID", "SIZE", "PROCESSOR", "CONTEXT", "UNTIL"}, rows);
}

std::string format_show_info(const json & show, bool verbose) {
    std::string out = section("Model", model_rows(show));
    const json caps = show.value("capabilities", json::array());
    if (caps.is_array() && !caps.empty()) {
        rows_t rows;
        for (const auto & c : caps) rows.push_back({"", c.is_string() ? c.get<std::string>() : c.dump()});
        out += section("Capabilities", rows);
    }
    const json proj = show.value("projector_info", json());
    if (proj.is_object()) out += section("Projector", projector_rows(proj));
    if (!str(show, "parameters").empty()) out += section("Parameters", parameter_rows(str(show, "parameters")));
    const json info = show.value("model_info", json());
    if (verbose && info.is_object()) out += section("Metadata", metadata_rows(info));
    const json tensors = show.value("tensors", json::array());
    if (verbose && tensors.is_array() && !tensors.empty()) out += section("Tensors", tensor_rows(tensors));
    if (!str(show, "system").empty()) out += section("System", head_rows(str(show, "system"), 2), 100);
    if (!str(show, "license").empty()) {
        const json & lic = show["license"];
        out += section("License", head_rows(lic.get<std::string>(), 2), 100);
    }
    return out;
}

std::string format_metrics(const json & done) {
    // A line per value the server reported (Ollama's server always reports
    // them, so its client's "> 0" checks show every line), rates when the
    // duration allows one.
    auto has = [&](const char * key) { return done.is_object() && done.contains(key) && done[key].is_number(); };
    std::string out;
    char buf[128];
    const int64_t prompt_n = int_field(done, "prompt_eval_count"), prompt_ns = int_field(done, "prompt_eval_duration");
    const int64_t eval_n = int_field(done, "eval_count"), eval_ns = int_field(done, "eval_duration");
    if (has("total_duration")) out += "total duration:       " + go_duration(int_field(done, "total_duration")) + "\n";
    if (has("load_duration")) out += "load duration:        " + go_duration(int_field(done, "load_duration")) + "\n";
    if (has("prompt_eval_count")) out += "prompt eval count:    " + std::to_string(prompt_n) + " token(s)\n";
    if (has("prompt_eval_duration")) {
        out += "prompt eval duration: " + go_duration(prompt_ns) + "\n";
        if (prompt_ns > 0) {
            std::snprintf(buf, sizeof buf, "prompt eval rate:     %.2f tokens/s\n", prompt_n / (prompt_ns / 1e9));
            out += buf;
        }
    }
    if (has("eval_count")) out += "eval count:           " + std::to_string(eval_n) + " token(s)\n";
    if (has("eval_duration")) {
        out += "eval duration:        " + go_duration(eval_ns) + "\n";
        if (eval_ns > 0) {
            std::snprintf(buf, sizeof buf, "eval rate:            %.2f tokens/s\n", eval_n / (eval_ns / 1e9));
            out += buf;
        }
    }
    return out;
}

}  // namespace lokal::cli
