// The native handlers, callable directly: the OpenAI and Anthropic routes
// translate a request, run it through these, and translate the result back
// (DESIGN.md: the native API is the one implementation).
#pragma once

#include "handlers/routes.h"
#include "http/server.h"

namespace lokal::handlers {

void native_generate(context & ctx, const http::request & req, http::response & res);  // POST /api/generate
void native_chat(context & ctx, const http::request & req, http::response & res);      // POST /api/chat
void native_tags(context & ctx, http::response & res);                                 // GET /api/tags
void native_show(context & ctx, const http::request & req, http::response & res);      // POST /api/show
void native_embed(context & ctx, const http::request & req, http::response & res);     // POST /api/embed
void native_tokenize(context & ctx, const http::request & req, http::response & res);  // POST /api/tokenize

}  // namespace lokal::handlers
