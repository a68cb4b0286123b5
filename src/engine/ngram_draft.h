// Prompt lookup for speculative decoding (completion_request::ngram_draft):
// text being generated often repeats text already there (code being edited,
// a quoted document, a list's pattern). The tokens that followed the latest
// earlier occurrence of the history's last few tokens are a cheap guess at
// what comes next; the model then checks the guess in one batch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace lokal::engine {

// The tokens that followed the latest earlier occurrence of history's last n
// tokens (n from 3 down to 2), at most max of them; empty when none.
std::vector<int32_t> lookup_draft(const std::vector<int32_t> & history, size_t max);

}  // namespace lokal::engine
