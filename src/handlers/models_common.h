// Shared by the model routes (models.cpp, models_show.cpp, models_create.cpp):
// request-field decoding with Ollama's messages, and the handlers that live
// in their own files.
#pragma once

#include "core/json.h"
#include "core/result.h"
#include "handlers/routes.h"
#include "http/server.h"

#include <filesystem>
#include <optional>
#include <string>

namespace lokal::handlers::models {

// An optional string field: absent or null gives "", any other type is an
// invalid_request naming the field.
result<std::string> string_field(const json & body, const char * key);
// An optional boolean field.
result<std::optional<bool>> bool_field(const json & body, const char * key);

// "model" or, when empty, the legacy "name".
result<std::string> model_field(const json & body);

// A manifest's modification time as Go prints a time.Time: RFC 3339 with
// nanoseconds and the local offset.
std::string format_modified(std::filesystem::file_time_type t);

void show(context & ctx, const http::request & req, http::response & res);    // POST /api/show
void create(context & ctx, const http::request & req, http::response & res);  // POST /api/create

}  // namespace lokal::handlers::models
