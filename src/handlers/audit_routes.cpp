#include "handlers/audit_routes.h"

#include "audit/audit.h"

#include <memory>

namespace lokal::handlers {

namespace {

constexpr std::string_view success_line = "{\"status\":\"success\"}";

std::string body_string(const json & body, const char * key) {
    auto it = body.find(key);
    return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// What the request acts on, read leniently (the handler reports bad input).
// Only names are read: never a password or any other field.
std::string target_of(const std::string & action, const http::request & req) {
    if (auto it = req.params.find("digest"); it != req.params.end()) return it->second;
    if (auto it = req.params.find("name"); it != req.params.end()) return it->second;      // a user
    if (auto it = req.params.find("id"); it != req.params.end()) return "key " + it->second;
    if (action == "password_change") return req.principal;  // one's own
    json body = json::parse(req.body, nullptr, false);
    if (!body.is_object()) return action == "logout" ? req.principal : std::string();
    if (action == "copy") return body_string(body, "source") + " -> " + body_string(body, "destination");
    if (action == "key_create") {
        std::string user = body_string(body, "user");
        return user.empty() ? req.principal : user;
    }
    std::string model = body_string(body, "model");
    return model.empty() ? body_string(body, "name") : model;
}

// Passes a streamed body through and records the outcome just before the
// line that announces it. A success line is held back until the stream ends,
// because a create that pulls its base first sends the pull's success
// before its own work (which may still fail).
class audited_writer final : public http::stream_writer {
public:
    using recorder = std::function<status(int, const std::string &)>;
    audited_writer(http::stream_writer & inner, recorder rec) : inner_(inner), rec_(std::move(rec)) {}

    bool write(std::string_view data) override {
        if (!held_.empty()) {  // not the last line after all
            bool ok = inner_.write(held_);
            held_.clear();
            if (!ok) return false;
        }
        if (!recorded_ && data.substr(0, success_line.size()) == success_line) {
            held_ = data;
            return inner_.alive();
        }
        if (!recorded_ && data.substr(0, 9) == "{\"error\":") {
            recorded_ = true;
            (void)rec_(500, http::error_text(data));
        }
        return inner_.write(data);
    }
    bool alive() const override { return inner_.alive(); }

    // Called once the producer returned: records the outcome, then sends the
    // held success line (or, if the record failed, an error instead).
    void finish() {
        if (recorded_) return;
        recorded_ = true;
        if (!held_.empty()) {
            if (auto st = rec_(200, ""); !st) inner_.write(http::json_line(json{{"error", st.err().message}}));
            else inner_.write(held_);
            return;
        }
        (void)rec_(inner_.alive() ? 500 : 499, inner_.alive() ? "ended without a result" : "client disconnected");
    }

private:
    http::stream_writer & inner_;
    recorder rec_;
    std::string held_;
    bool recorded_ = false;
};

audit::event event_for(const http::request & req, const std::string & action) {
    return audit::event{req.principal, req.remote_addr, action, target_of(action, req), 0, {}};
}

// Records a finished answer; streamed answers record as they end.
void record_answer(context & ctx, audit::event e, http::response & res) {
    res.audited = true;
    if (!res.stream) {
        e.status = res.status;
        if (res.status >= 400) e.error = http::error_text(res.body);
        if (auto st = ctx.audit.record(e); !st) http::set_error(res, st.err());
        return;
    }
    audit::log * log = &ctx.audit;
    auto base = std::make_shared<audit::event>(std::move(e));
    auto producer = std::move(res.stream);
    res.stream = [log, base, producer](http::stream_writer & w) {
        audited_writer aw(w, [log, base](int code, const std::string & error) {
            audit::event e = *base;
            e.status = code;
            e.error = error;
            return log->record(e);
        });
        producer(aw);
        aw.finish();
    };
}

}  // namespace

http::handler audited(context & ctx, std::string action, http::handler h) {
    return [&ctx, action = std::move(action), h = std::move(h)](const http::request & req, http::response & res) {
        h(req, res);
        record_answer(ctx, event_for(req, action), res);
    };
}

http::upload_handler audited_upload(context & ctx, std::string action, http::upload_handler h) {
    return [&ctx, action = std::move(action), h = std::move(h)](const http::request & req,
                                                                const http::body_reader & body, http::response & res) {
        h(req, body, res);
        record_answer(ctx, event_for(req, action), res);
    };
}

void register_denied_audit(http::server & srv, context & ctx) {
    srv.on_denied([&ctx](const http::request & req, int status, const std::string & message) {
        // A failure is already on stderr; the request is refused either way.
        (void)ctx.audit.record(audit::event{req.principal, req.remote_addr, "denied", req.method + " " + req.path,
                                            status, message});
    });
}

}  // namespace lokal::handlers
