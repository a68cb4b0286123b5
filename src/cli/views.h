// Pure renderings of server answers for the terminal: the tables of
// `lokal list`, `lokal ps` and `lokal show`, and the --verbose timing block.
// Each takes the JSON the server sent (and "now"), so tests need no server.
#pragma once

#include "cli/format.h"
#include "core/json.h"

#include <cstdint>
#include <string>

namespace lokal::cli {

// NAME ID SIZE MODIFIED; filter keeps names starting with it (case-insensitive).
std::string format_list(const json & tags, const std::string & filter, sys_time now);

// NAME ID SIZE PROCESSOR CONTEXT UNTIL.
std::string format_ps(const json & ps, const std::string & filter, sys_time now);

// The sections of `lokal show MODEL`: Model, Capabilities, Projector,
// Parameters, Metadata and Tensors (verbose only), System, License.
std::string format_show_info(const json & show, bool verbose);

// total duration, load duration, prompt eval count/duration/rate, eval
// count/duration/rate, from a final generate/chat object: one line for each
// value present.
std::string format_metrics(const json & done);

// Fields of server answers, tolerant of absent or mistyped values (a wrong
// type reads as empty, never throws).
std::string json_string(const json & j, const char * key);
bool json_bool(const json & j, const char * key);
int64_t json_int(const json & j, const char * key);

// A JSON value as Go's fmt prints it with %v/%g: 131072, 8.030261248e+09, true.
std::string go_value_text(const json & v);

}  // namespace lokal::cli
