// Go's fmt and encoding/json as templates see them: how print, printf and
// println render values, how an action prints its result, and how Ollama's
// `json` function marshals. Internal to lokal_template.
#pragma once

#include "core/gojson.h"
#include "template/value.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lokal::tmpl {

// An action's output: Go's printableValue + fmt.Fprint ("<no value>" when
// there is none).
void print_action_value(std::string & out, const value & v);

// fmt.Sprint, fmt.Sprintln and fmt.Sprintf. Invalid values are nil operands.
std::string go_sprint(const std::vector<value> & args);
std::string go_sprintln(const std::vector<value> & args);
std::string go_sprintf(std::string_view format, const std::vector<value> & args);

// strconv.FormatFloat lives in core, shared with the store's encoders.
using gofmt::format_float;

// json.Marshal. Empty when Go would fail (NaN or infinite numbers).
std::optional<std::string> go_json_marshal(const value & v);

// The result of a type's String method, when the type has one.
std::optional<std::string> stringer_text(const value & v);

}  // namespace lokal::tmpl
