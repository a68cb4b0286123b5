#include "handlers/app.h"

#include "audit/audit.h"
#include "auth/accounts.h"
#include "auth/gate.h"
#include "chats/chats.h"
#include "core/meminfo.h"
#include "handlers/auth_routes.h"
#include "handlers/audit_routes.h"
#include "handlers/chat_routes.h"
#include "engine/runner.h"
#include "handlers/registry_routes.h"
#include "handlers/routes.h"
#include "http/guard.h"
#include "http/server.h"
#include "metrics/registry.h"
#include "sched/scheduler.h"
#include "store/blob_check.h"
#include "store/gguf.h"
#include "store/store.h"
#include "vault/keyring.h"
#include "webui/serve.h"

#include <csignal>
#include <cstdio>
#include <pthread.h>
#include <thread>

namespace lokal::handlers {

namespace {

http::server_options server_options_for(const config::settings & cfg) {
    http::server_options o;
    o.host = cfg.host;
    o.port = cfg.port;
    o.max_body_bytes = static_cast<size_t>(cfg.max_body_bytes);
    o.max_upload_bytes = static_cast<size_t>(cfg.max_blob_bytes);
    o.guard.allowed_hosts = cfg.allowed_hosts;
    o.guard.origins = cfg.origins;
    o.guard.cors_credentials = cfg.cors_credentials;
    o.tls_cert = cfg.tls_cert;
    o.tls_key = cfg.tls_key;
    o.max_connections = cfg.max_connections;
    o.header_timeout = cfg.header_timeout;
    o.body_timeout = cfg.body_timeout;
    o.idle_timeout = cfg.idle_timeout;
    return o;
}

// Every GGUF file is pre-validated before llama.cpp opens it: a blob could
// have been swapped on disk since it was checked at upload and create.
// Each blob is also re-hashed (once per change of the file): bytes flipped
// on disk are refused here with a clear message, not run.
result<std::unique_ptr<engine::runner>> validated_load(store::blob_check & check, const engine::load_params & p) {
    std::vector<const std::string *> files{&p.model_path};
    if (!p.projector_path.empty()) files.push_back(&p.projector_path);
    for (const auto & a : p.adapter_paths) files.push_back(&a);
    if (!p.draft_path.empty()) files.push_back(&p.draft_path);
    for (const auto * f : files) {
        if (auto st = check.verify(*f); !st) return make_error(st.err().code, "model cannot be loaded: " + st.err().message);
        if (auto st = store::gguf::validate_file(*f); !st) return make_error(st.err().code, "model cannot be loaded: " + st.err().message);
    }
    return engine::load_llama_runner(p);
}

// Blobs no model uses, deleted at startup as Ollama does (LOKAL_NOPRUNE keeps them).
void prune_unused_blobs(store::store & models) {
    auto p = models.prune_unreferenced();
    if (!p) {
        std::fprintf(stderr, "warning: unused blobs not pruned: %s\n", p.err().message.c_str());
    } else if (p->unreadable_manifests > 0) {
        std::fprintf(stderr, "warning: unused blobs not pruned: %d manifest(s) in %s could not be read\n",
                     p->unreadable_manifests, models.root().c_str());
    } else if (p->blobs > 0) {
        std::fprintf(stderr, "pruned %d unused blob(s), %s\n", p->blobs, sched::format_memory(p->bytes).c_str());
    }
}

}  // namespace

struct app::impl {
    config::settings cfg;
    store::store models;
    store::blob_check checked_blobs;
    sched::scheduler sched;
    metrics::registry metrics;  // outlives the server, whose workers count into it
    chats::store chats;         // opened by bind()
    auth::accounts accounts;    // same database; opened by bind()
    auth::gate gate;
    vault::keyring chat_keys;   // LOKAL_ENCRYPT_CHATS: the unlocked keys of web sessions, memory only
    audit::log audit;           // opened by bind()
    http::server http;
    context ctx;
    auth_context auth_ctx;

    result<chats::owner> chat_owner(const http::request & req);

    explicit impl(config::settings c)
        : cfg(std::move(c)),
          models(cfg.models_dir),
          sched(sched::scheduler_config{cfg.max_loaded_models, cfg.max_queue, cfg.max_memory},
                [this](const engine::load_params & p) { return validated_load(checked_blobs, p); },
                sched::memory_probe{[](const engine::load_params & p) { return sched::estimate_memory(p); },
                                    available_system_memory, engine::gpu_devices}),
          chats(cfg.data_dir + "/lokal.db"),
          accounts(cfg.data_dir + "/lokal.db"),
          gate(accounts, auth::gate_options{cfg.auth, webui::is_asset_route, cfg.rate_limit}),
          audit(cfg.audit_log),
          http(server_options_for(cfg)),
          ctx{cfg, models, sched, metrics, audit},
          auth_ctx{accounts, gate, http, !cfg.tls_cert.empty()} {
        register_denied_audit(http, ctx);
        register_misc_routes(http, ctx);
        register_model_routes(http, ctx);
        register_inference_routes(http, ctx);
        register_embed_routes(http, ctx);
        register_registry_routes(http, ctx);
        register_metrics_routes(http, ctx);
        register_chat_routes(http, chats, [this](const http::request & req) { return chat_owner(req); });
        register_openai_routes(http, ctx);
        register_anthropic_routes(http, ctx);
        auth_ctx.chats = &chats;
        auth_ctx.chat_keys = cfg.encrypt_chats ? &chat_keys : nullptr;
        register_auth_routes(http, auth_ctx, ctx);
        // Off: no hook at all, so requests take exactly the path they took before accounts existed.
        if (cfg.auth) {
            http.authorize([this](const http::request & req, const std::string & pattern) {
                return gate.admit(req, pattern);
            });
        }
    }
};

// Whose chats a request reaches. With LOKAL_ENCRYPT_CHATS the user's data
// key must be unlocked in this web session: an API key never carries it
// (403), and a session from before a restart or before encryption was
// turned on must sign in again (401, which the web UI answers with its
// sign-in screen).
result<chats::owner> app::impl::chat_owner(const http::request & req) {
    if (req.principal.empty()) return chats::owner{chats::local_user_id};
    auto u = accounts.find_user(req.principal);
    if (!u) return make_error(errc::unauthorized, "unauthorized");
    if (!cfg.encrypt_chats) return chats::owner{u->id};
    auth::credential c = auth::credential_of(req);
    if (!c.from_cookie) {
        return make_error(errc::forbidden, std::string(chats::locked_message) +
                                               " in the web UI (API keys cannot open encrypted chats)");
    }
    vault::key_ptr k = chat_keys.get(c.secret, u->id);
    if (!k) return make_error(errc::unauthorized, chats::locked_message);
    return chats::owner{u->id, std::move(k)};
}

app::app(config::settings cfg) : impl_(std::make_unique<impl>(std::move(cfg))) {}
app::~app() = default;

status app::bind() {
    http::exposure exp{.auth_configured = impl_->cfg.auth, .insecure_no_auth = impl_->cfg.insecure_no_auth};
    if (auto st = http::check_exposure(impl_->cfg.host, exp); !st) return st;
    if (auto st = impl_->models.init(); !st) return st;
    if (!impl_->cfg.noprune) prune_unused_blobs(impl_->models);
    if (auto st = impl_->chats.open(); !st) return st;
    if (auto st = impl_->accounts.open(); !st) return st;
    if (impl_->cfg.encrypt_chats && !impl_->cfg.auth) {
        return make_error(errc::invalid_request, "LOKAL_ENCRYPT_CHATS=1 needs LOKAL_AUTH=1: chats are encrypted with a "
                                                 "key of each user's password, so there must be users who sign in");
    }
    if (impl_->cfg.auth) {
        // Nobody could ever sign in to manage the server.
        auto admins = impl_->accounts.admin_count();
        if (!admins) return admins.err();
        if (*admins == 0) {
            return make_error(errc::invalid_request, "LOKAL_AUTH=1 but there is no admin account yet: create one with "
                                                     "`lokal user add --admin NAME` (with the same LOKAL_DATA), then start "
                                                     "the server again");
        }
    }
    if (auto st = impl_->audit.open(); !st) return st;
    return impl_->http.bind();
}

int app::port() const { return impl_->http.port(); }
status app::serve() { return impl_->http.serve(); }
void app::stop() {
    // Running requests end first (with an error), so the HTTP workers that
    // relay them can finish; then the listener closes.
    impl_->sched.shutdown();
    impl_->http.stop();
}

int serve_main(const config::settings & cfg) {
    // Signals go to one thread that stops the server cleanly; every other
    // thread (HTTP workers, inference) inherits the blocked mask.
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    engine::init_backend(cfg.debug);
    app a(cfg);
    if (auto st = a.bind(); !st) {
        std::fprintf(stderr, "Error: %s\n", st.err().message.c_str());
        return 1;
    }
    std::fprintf(stderr, "lokal %s listening on %s://%s:%d (models in %s)\n", LOKAL_VERSION,
                 cfg.tls_cert.empty() ? "http" : "https", cfg.host.c_str(), a.port(), cfg.models_dir.c_str());
    if (cfg.insecure_no_auth && !is_loopback_host(cfg.host)) {
        std::fprintf(stderr,
                     "WARNING: LOKAL_INSECURE_NO_AUTH=1: serving %s without authentication. Anyone who can reach this "
                     "address can run, pull, create and delete models.\n",
                     cfg.host.c_str());
    }
    std::thread watcher([&a, set] {
        int sig = 0;
        sigwait(&set, &sig);
        a.stop();
    });
    auto st = a.serve();
    if (watcher.joinable()) {
        // Wake the watcher if the server stopped on its own.
        pthread_kill(watcher.native_handle(), SIGTERM);
        watcher.join();
    }
    if (!st) {
        std::fprintf(stderr, "Error: %s\n", st.err().message.c_str());
        return 1;
    }
    return 0;
}

}  // namespace lokal::handlers
