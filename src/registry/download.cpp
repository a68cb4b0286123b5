#include "registry/download.h"

#include "store/store.h"

#include <chrono>
#include <optional>
#include <thread>

namespace lokal::registry {

namespace {

using namespace std::chrono_literals;

constexpr int max_idle_failures = 5;  // failures in a row, without progress, before a part gives up

// What the parts of one download share.
struct download_run {
    session & s;
    std::string url;
    store::partial_blob & pb;
    std::atomic<bool> abort{false};
    std::atomic<bool> range_ignored{false};
};

// "bytes <first>-<last>/<total>" must start where we asked.
bool content_range_starts_at(const std::string & value, int64_t first) {
    return value.rfind("bytes " + std::to_string(first) + "-", 0) == 0;
}

// One GET for part i from where it stopped. ok when the answer was complete.
status fetch_part(download_run & run, size_t i) {
    store::part_range r = run.pb.part(i);
    bool ranged = run.pb.part_count() > 1 || r.done > 0;
    int64_t from = r.start + r.done;
    http_request req;
    req.url = run.url;
    if (ranged) req.headers.push_back("Range: bytes=" + std::to_string(from) + "-" + std::to_string(r.end - 1));
    req.cancel = [&run] { return run.abort.load(); };
    std::optional<error> failure;
    req.on_start = [&](long status, const std::map<std::string, std::string> & headers) {
        if (status == 200 && !ranged) return true;
        if (status == 200) {  // the whole blob again: this server does not do ranges
            run.range_ignored = true;
            return false;
        }
        auto cr = headers.find("content-range");
        if (status == 206 && cr != headers.end() && content_range_starts_at(cr->second, from)) return true;
        failure = make_error(errc::invalid_request, "the registry answered a range request with the wrong range");
        return false;
    };
    req.sink = [&](const char * data, size_t n) {
        if (auto st = run.pb.write(i, data, n); !st) {
            failure = st.err();
            return false;
        }
        if (auto st = run.pb.checkpoint(); !st) {
            failure = st.err();
            return false;
        }
        return true;
    };
    auto res = run.s.send(req);
    if (run.range_ignored) return make_error(errc::canceled, "range ignored");  // stops this part only
    if (failure) return *failure;
    if (!res) return res.err();
    if (res->status != 200 && res->status != 206) return registry_error(*res, "pull blob " + short_digest(run.pb.digest()));
    store::part_range now = run.pb.part(i);
    if (now.done != now.length()) {
        return make_error(errc::invalid_request, "the registry sent a truncated blob " + short_digest(run.pb.digest()) +
                                                     " (" + std::to_string(run.pb.done()) + " of " +
                                                     std::to_string(run.pb.size()) + " bytes)");
    }
    return {};
}

// Fetches part i to its end, retrying transient failures from where it stopped.
status run_part(download_run & run, size_t i) {
    int idle_failures = 0;
    for (;;) {
        int64_t before = run.pb.part(i).done;
        if (before == run.pb.part(i).length()) return {};
        auto st = fetch_part(run, i);
        if (st || st.err().code != errc::unavailable || run.abort) return st;
        if (run.pb.part(i).done > before) idle_failures = 0;
        if (++idle_failures >= max_idle_failures) return st;
        for (int waited = 0; waited < idle_failures * 10 && !run.abort; ++waited) std::this_thread::sleep_for(100ms);
    }
}

// Runs every unfinished part on its own thread; this thread reports progress
// and watches for the client going away. The first failure stops the rest.
status run_parts(download_run & run, const store::layer & l, reporter & out) {
    std::vector<std::thread> workers;
    std::vector<std::optional<error>> errors(run.pb.part_count());
    std::atomic<size_t> running{0};
    for (size_t i = 0; i < run.pb.part_count(); ++i) {
        store::part_range r = run.pb.part(i);
        if (r.done == r.length()) continue;
        ++running;
        workers.emplace_back([&run, &errors, &running, i] {
            if (auto st = run_part(run, i); !st) {
                errors[i] = st.err();
                run.abort = true;
            }
            --running;
        });
    }
    bool gone = false;
    while (running > 0) {
        std::this_thread::sleep_for(100ms);
        if (!out.layer("pulling", l.digest, l.size, run.pb.done()) || (run.s.cancel() && run.s.cancel()())) {
            gone = true;
            run.abort = true;
        }
    }
    for (auto & w : workers) w.join();
    (void)run.pb.checkpoint(true);  // what was fetched stays for the next attempt
    if (gone) return make_error(errc::canceled, "client gone");
    if (run.range_ignored) return make_error(errc::conflict, "the registry ignored a range request");
    for (const auto & e : errors) {
        if (e && e->code != errc::canceled) return *e;
    }
    for (const auto & e : errors) {
        if (e) return *e;
    }
    return {};
}

// Opens the blob's partial, waiting while another pull holds it.
result<std::unique_ptr<store::partial_blob>> open_partial(store::store & st, session & s, const store::layer & l,
                                                          const pull_options & opts, reporter & out) {
    auto layout = store::split_parts(l.size, opts.max_parts, opts.min_part_size);
    for (;;) {
        auto pb = store::partial_blob::open(st.blobs_dir(), l.digest, l.size, layout);
        if (pb || pb.err().code != errc::conflict) return pb;
        if (st.has_blob(l.digest)) return std::unique_ptr<store::partial_blob>();
        if (!out.layer("pulling", l.digest, l.size, 0) || (s.cancel() && s.cancel()())) {
            return make_error(errc::canceled, "client gone");
        }
        std::this_thread::sleep_for(250ms);
    }
}

}  // namespace

result<std::unique_ptr<store::partial_blob>> download_blob(store::store & st, session & s,
                                                           const store::model_name & name, const store::layer & l,
                                                           const pull_options & opts, reporter & out) {
    auto pb = open_partial(st, s, l, opts, out);
    if (!pb || !*pb) return pb;
    if (st.has_blob(l.digest)) {  // finished by the pull that held it before us
        (*pb)->discard();
        return std::unique_ptr<store::partial_blob>();
    }
    if (!out.layer("pulling", l.digest, l.size, (*pb)->done())) return make_error(errc::canceled, "client gone");
    download_run run{s, blob_url(s.where(), name, l.digest), **pb};
    auto done = run_parts(run, l, out);
    if (!done && done.err().code == errc::conflict) {
        // Start over as one plain GET, which any server answers.
        run.range_ignored = false;
        run.abort = false;
        if (auto r = (*pb)->reset(store::split_parts(l.size, 1, 0)); !r) return r.err();
        done = run_parts(run, l, out);
    }
    if (!done) {
        if (done.err().code == errc::invalid_request || done.err().code == errc::too_large) (*pb)->discard();
        return done.err();
    }
    out.layer("pulling", l.digest, l.size, l.size);
    return pb;
}

}  // namespace lokal::registry
