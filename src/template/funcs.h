// The functions a template may call: Go's builtins (and, or, not, len, index,
// slice, eq, ne, lt, le, gt, ge, print, printf, println, html, js, urlquery,
// call) and the ones Ollama adds (json, currentDate, yesterdayDate,
// toTypeScriptType). Internal to lokal_template.
#pragma once

#include "template/value.h"

#include <string>
#include <string_view>
#include <vector>

namespace lokal::tmpl {

// How an argument reaches the function, after Go's reflection rules.
enum class param_kind {
    any,     // interface{}: a missing value arrives as nil
    value,   // reflect.Value: the value as evaluated, even when missing
    string,  // string: must be a string
};

struct func_sig {
    std::string_view name;
    int fixed = 0;         // parameters before the variadic tail
    bool variadic = false;
    param_kind fixed_kind = param_kind::any;
    param_kind tail_kind = param_kind::any;
    bool ollama = false;   // added by Ollama rather than built in
};

// Whether the parser accepts `name` as a function.
bool is_function(std::string_view name);

// The signature, or null when not defined (Ollama's functions only count
// when `ollama_funcs`).
const func_sig * find_function(std::string_view name, bool ollama_funcs);

// Calls an ordinary function (not and/or/call, which execution handles) with
// evaluated arguments. On failure returns false with Go's message in `err`.
bool call_function(const func_sig & f, const std::vector<value> & args, value & out, std::string & err);

// api.ToolProperty.ToTypeScriptType for a value of that type.
std::string typescript_type(const value & property);

}  // namespace lokal::tmpl
