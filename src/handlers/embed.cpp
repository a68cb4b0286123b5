// POST /api/embed, POST /api/embeddings (legacy), and, beyond Ollama, the
// tokenizer routes POST /api/tokenize and POST /api/detokenize shaped like
// llama-server's /tokenize and /detokenize, and reranking (POST /api/rerank,
// /v1/rerank) shaped like llama-server's /v1/rerank.
//
// Each leases the model like generate does (so keep_alive and loading work
// the same); embedding runs on the model's inference thread.
#include "api/embed.h"
#include "compat/common.h"
#include "core/gojson.h"
#include "handlers/model_prep.h"
#include "handlers/native.h"
#include "handlers/routes.h"
#include "sched/scheduler.h"

#include <chrono>

namespace lokal::handlers {

namespace {

using steady = std::chrono::steady_clock;

void set_body(http::response & res, std::string body) {
    res.status = 200;
    res.content_type = "application/json; charset=utf-8";
    res.body = std::move(body);
}

int64_t ns_since(steady::time_point t) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(steady::now() - t).count();
}

// What a route asks of the model: checked from its GGUF before it loads.
enum class use { any, embed, rerank };

template <typename Request>
result<sched::lease> lease_for(context & ctx, const Request & r, const json & options, use u = use::any) {
    auto p = prepare(ctx, r.model, options, r.keep_alive);
    if (!p) return p.err();
    if (u != use::any) {
        const bool reranker = model_gguf_facts(*p).reranker;
        if (u == use::embed && reranker) {
            return make_error(errc::invalid_request, "this model is a reranker and does not produce embeddings");
        }
        if (u == use::rerank && !reranker) {
            return make_error(errc::invalid_request,
                              "this model does not support reranking (it needs a reranker head: rank pooling)");
        }
    }
    return ctx.sched.acquire(p->key, p->label, p->load, p->keep_alive);
}

void embed(context & ctx, const http::request & req, http::response & res) {
    const auto t0 = steady::now();
    auto body = http::parse_json_body(req);
    if (!body) return http::set_error(res, body.err());
    auto e = api::parse_embed(*body);
    if (!e) return http::set_error(res, e.err());
    auto l = lease_for(ctx, *e, e->options, use::embed);
    if (!l) return http::set_error(res, l.err());
    const int64_t load_ns = ns_since(t0);
    // Like Ollama: no input only loads the model.
    if (e->input.empty()) return set_body(res, api::embed_response(e->model, {}, 0, 0, 0));

    engine::embed_request er;
    er.inputs = std::move(e->input);
    er.truncate = e->truncate;
    auto r = (*l)->embed(er, [&req] { return req.is_closed(); });
    if (!r) return http::set_error(res, r.err());
    for (auto & v : r->embeddings) {
        if (auto st = api::shape_embedding(v, e->dimensions); !st) return http::set_error(res, st.err());
    }
    set_body(res, api::embed_response(e->model, r->embeddings, ns_since(t0), load_ns, r->prompt_tokens));
}

// The legacy route: one prompt, one vector, errors as Ollama words them.
void embeddings(context & ctx, const http::request & req, http::response & res) {
    auto body = http::parse_json_body(req);
    if (!body) return http::set_error(res, body.err());
    auto e = api::parse_embeddings(*body);
    if (!e) return http::set_error(res, e.err());
    // A reranker fails once loaded, answered 500 like every failure here.
    auto l = lease_for(ctx, *e, e->options);
    if (!l) {
        if (l.err().code != errc::not_found) return http::set_error(res, l.err());
        std::string quoted;
        gofmt::append_json_string(quoted, e->model);
        return http::set_error(res, make_error(errc::not_found, "model " + quoted + " not found, try pulling it first"));
    }
    if (e->prompt.empty()) return set_body(res, api::embeddings_response({}));
    engine::embed_request er;
    er.inputs = {e->prompt};
    auto r = (*l)->embed(er, [&req] { return req.is_closed(); });
    if (!r) {
        // Ollama answers every embedding failure on this route with a 500.
        if (r.err().code == errc::canceled) return http::set_error(res, r.err());
        return http::set_error(res, make_error(errc::internal, r.err().message));
    }
    auto & v = r->embeddings.front();
    // Ollama normalises these too, except for the older embedding models
    // whose legacy vectors were raw.
    if (!(*l)->facts().legacy_embeddings_raw) {
        if (auto st = api::normalize(v); !st) return http::set_error(res, st.err());
    }
    set_body(res, api::embeddings_response(v));
}

// Reranking: each document scored against the query by the model's
// classifier head. /v1/rerank answers errors in OpenAI's shape.
void rerank(context & ctx, const http::request & req, http::response & res, bool openai_errors) {
    auto fail = [&](const error & err) {
        if (!openai_errors) return http::set_error(res, err);
        int status = http::status_for(err.code);
        http::set_json(res, compat::openai_error(status, err.message), status);
    };
    auto body = http::parse_json_body(req);
    if (!body) return fail(body.err());
    auto q = api::parse_rerank(*body);
    if (!q) return fail(q.err());
    auto l = lease_for(ctx, *q, q->options, use::rerank);
    if (!l) return fail(l.err());
    engine::embed_request er;
    er.rerank = true;
    er.query = q->query;
    er.inputs = q->documents;
    auto r = (*l)->embed(er, [&req] { return req.is_closed(); });
    if (!r) return fail(r.err());
    std::vector<float> scores;
    for (const auto & v : r->embeddings) scores.push_back(v.empty() ? 0.0f : v.front());
    http::set_json(res, api::rerank_response(*q, scores, r->prompt_tokens));
}

bool valid_utf8(const std::string & s) {
    for (size_t i = 0; i < s.size();) {
        char32_t cp = 0;
        size_t n = gofmt::decode_utf8(s, i, cp);
        if (n == 0) return false;
        i += n;
    }
    return true;
}

// llama-server's piece: the text when it is valid UTF-8, else its bytes.
json piece_json(const std::string & piece) {
    if (valid_utf8(piece)) return piece;
    json bytes = json::array();
    for (unsigned char c : piece) bytes.push_back(static_cast<int>(c));
    return bytes;
}

void tokenize(context & ctx, const http::request & req, http::response & res) {
    auto body = http::parse_json_body(req);
    if (!body) return http::set_error(res, body.err());
    auto t = api::parse_tokenize(*body);
    if (!t) return http::set_error(res, t.err());
    auto l = lease_for(ctx, *t, json::object());
    if (!l) return http::set_error(res, l.err());
    auto toks = (*l)->tokenize(t->content, engine::tokenize_options{t->add_special, t->parse_special});
    if (!toks) return http::set_error(res, toks.err());
    json out = json::array();
    for (int32_t id : *toks) {
        if (!t->with_pieces) {
            out.push_back(id);
            continue;
        }
        auto piece = (*l)->token_piece(id);
        if (!piece) return http::set_error(res, piece.err());
        out.push_back(json{{"id", id}, {"piece", piece_json(*piece)}});
    }
    http::set_json(res, json{{"tokens", out}});
}

void detokenize(context & ctx, const http::request & req, http::response & res) {
    auto body = http::parse_json_body(req);
    if (!body) return http::set_error(res, body.err());
    auto d = api::parse_detokenize(*body);
    if (!d) return http::set_error(res, d.err());
    auto l = lease_for(ctx, *d, json::object());
    if (!l) return http::set_error(res, l.err());
    auto text = (*l)->detokenize(d->tokens);
    if (!text) return http::set_error(res, text.err());
    http::set_json(res, json{{"content", *text}});
}

}  // namespace

void register_embed_routes(http::server & srv, context & ctx) {
    srv.route("POST", "/api/embed", [&ctx](const http::request & q, http::response & r) { embed(ctx, q, r); });
    srv.route("POST", "/api/embeddings",
              [&ctx](const http::request & q, http::response & r) { embeddings(ctx, q, r); });
    srv.route("POST", "/api/rerank",
              [&ctx](const http::request & q, http::response & r) { rerank(ctx, q, r, false); });
    srv.route("POST", "/v1/rerank", [&ctx](const http::request & q, http::response & r) { rerank(ctx, q, r, true); });
    srv.route("POST", "/api/tokenize", [&ctx](const http::request & q, http::response & r) { tokenize(ctx, q, r); });
    srv.route("POST", "/api/detokenize",
              [&ctx](const http::request & q, http::response & r) { detokenize(ctx, q, r); });
}

void native_embed(context & ctx, const http::request & req, http::response & res) {
    embed(ctx, req, res);
}
void native_tokenize(context & ctx, const http::request & req, http::response & res) {
    tokenize(ctx, req, res);
}

}  // namespace lokal::handlers
