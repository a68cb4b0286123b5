// Route registration. Each route group lives in its own file and registers
// its routes on the server; they share one context owned by the server object.
#pragma once

#include "config/config.h"
#include "http/server.h"

namespace lokal::store {
class store;
}
namespace lokal::sched {
class scheduler;
}
namespace lokal::metrics {
class registry;
}
namespace lokal::audit {
class log;
}

namespace lokal::handlers {

struct context {
    const config::settings & cfg;
    store::store & models;
    sched::scheduler & sched;
    metrics::registry & metrics;
    // Record account events (login, key and user changes) with
    // audit.record(audit::event{...}) before answering (audit/audit.h).
    audit::log & audit;
};

void register_misc_routes(http::server & srv, context & ctx);       // GET /, HEAD /, web UI files, /api/version
void register_model_routes(http::server & srv, context & ctx);      // tags, show, copy, delete, create, blobs
void register_inference_routes(http::server & srv, context & ctx);  // generate, chat, ps
void register_embed_routes(http::server & srv, context & ctx);      // embed, embeddings, tokenize, detokenize, rerank
void register_metrics_routes(http::server & srv, context & ctx);    // GET /metrics; counts every request
void register_openai_routes(http::server & srv, context & ctx);     // /v1/chat/completions, completions, responses, embeddings, models
void register_anthropic_routes(http::server & srv, context & ctx);  // /v1/messages, /v1/messages/count_tokens

}  // namespace lokal::handlers
