// GET /metrics: Prometheus text exposition format 0.0.4. Counters are kept
// as things happen (requests here, tokens in inference.cpp); gauges and the
// model-load summary are read from the scheduler at scrape time.
#include "handlers/routes.h"
#include "metrics/names.h"
#include "sched/scheduler.h"

namespace lokal::handlers {

namespace {

void scrape(context & ctx, http::response & res) {
    auto loaded = ctx.sched.list();
    int busy = 0;
    for (const auto & m : loaded) busy += m.active;
    auto loads = ctx.sched.loads();
    ctx.metrics.set(metrics::models_loaded, static_cast<double>(loaded.size()));
    ctx.metrics.set(metrics::queue_pending, ctx.sched.pending());
    ctx.metrics.set(metrics::slots_busy, busy);
    ctx.metrics.set_summary(metrics::model_load_seconds, loads.seconds, loads.count);
    res.content_type = "text/plain; version=0.0.4; charset=utf-8";
    res.body = ctx.metrics.render();
}

}  // namespace

void register_metrics_routes(http::server & srv, context & ctx) {
    metrics::declare_lokal_metrics(ctx.metrics);
    srv.on_response([&ctx](const std::string & pattern, int status) {
        ctx.metrics.add(metrics::requests_total, 1, {{"route", pattern}, {"code", std::to_string(status)}});
    });
    srv.route("GET", "/metrics", [&ctx](const http::request &, http::response & r) { scrape(ctx, r); });
}

}  // namespace lokal::handlers
