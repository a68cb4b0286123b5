// Shared by POST /api/generate and POST /api/chat (generate.cpp, chat.cpp,
// relayed in inference.cpp): how each route shapes its objects, and the
// path from a leased model to the NDJSON stream or the single answer.
#pragma once

#include "chat/output.h"
#include "handlers/model_prep.h"
#include "http/server.h"

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace lokal::handlers {

using steady = std::chrono::steady_clock;

using logprob_list = std::vector<engine::output_logprob>;

// How each route shapes its objects (Ollama's GenerateResponse/ChatResponse).
struct shape {
    bool chat = false;
    std::string model;

    std::string encode(const json & j) const;
    void send(http::response & res, const json & j) const;
    json chunk(const chat::delta & d, const logprob_list & lp = {}) const;
    json final(const chat::delta & d, const std::string & reason) const;
    json debug(const std::string & prompt, size_t images = 0) const;
    json done(const chat::delta & d, const engine::completion_stats & st, steady::time_point t0,
              std::chrono::nanoseconds load, const logprob_list & lp = {}) const;
};

// Base64 images of a request (field `where`) as files; 400 for a model
// without a projector, Ollama's "<model> does not support vision".
result<std::vector<std::string>> decode_images(const prepared & p, const std::vector<std::string> & images,
                                               const std::string & where);

// /api/generate's images: files in creq.images, and Ollama's [img-N] tags
// before the prompt text. run_completion turns each rendered tag into the
// engine's media marker.
status attach_images(const prepared & p, const std::vector<std::string> & images, std::string & prompt,
                     engine::completion_request & creq);

// Renders the prompt and builds the output parser; the runner is null when
// the template needs no model (Go templates, for _debug_render_only).
using render_fn = std::function<result<engine::chat_prompt>(engine::runner *)>;

// Empty prompt or messages: only load or unload, like Ollama.
void load_or_unload(context & ctx, const prepared & p, const shape & sh, http::response & res);

// "_debug_render_only": the rendered prompt, without running the model.
void render_only(context & ctx, prepared & p, const std::string & raw_prompt, const render_fn & render,
                 const shape & sh, http::response & res, size_t images = 0);

// Leases the model, renders with it, submits and relays the completion.
void run_completion(context & ctx, prepared & p, engine::completion_request creq, const render_fn & render,
                    const shape & sh, steady::time_point t0, bool stream, const http::request & req,
                    http::response & res);

void generate(context & ctx, const http::request & req, http::response & res);
void chat(context & ctx, const http::request & req, http::response & res);

}  // namespace lokal::handlers
