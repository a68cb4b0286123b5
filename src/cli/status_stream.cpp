#include "cli/status_stream.h"

#include "cli/interrupt.h"
#include "cli/progress.h"
#include "cli/views.h"

#include <map>

namespace lokal::cli {

status stream_with_progress(client::client & c, progress & p, const std::string & path, const json & body,
                            const std::string & verb, bool skip_zero) {
    std::map<std::string, size_t> bars;  // digest -> bar
    std::string last_status;
    interrupt_scope on_ctrl_c([&c] { c.cancel(); });
    return c.stream(path, body, [&](const json & r) {
        const std::string digest = json_string(r, "digest");
        const std::string text = json_string(r, "status");
        if (!digest.empty()) {
            const int64_t total = json_int(r, "total");
            const int64_t done = json_int(r, "completed");
            if (skip_zero && done == 0) return true;
            auto it = bars.find(digest);
            if (it == bars.end()) {
                std::string hex = digest.rfind("sha256:", 0) == 0 ? digest.substr(7, 12) : digest.substr(0, 12);
                std::string label = text.empty() || skip_zero ? verb + " " + hex + (skip_zero ? ":" : "...") : text;
                it = bars.emplace(digest, p.add_bar(label, total, done)).first;
            }
            p.set_value(it->second, done);
        } else if (text != last_status) {
            last_status = text;
            p.add_spinner(text);
        }
        return true;
    });
}

}  // namespace lokal::cli
