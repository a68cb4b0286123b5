// The names of lokal's metrics, in one place, and the family declarations.
#pragma once

#include "metrics/registry.h"

namespace lokal::metrics {

inline constexpr std::string_view requests_total = "lokal_requests_total";
inline constexpr std::string_view prompt_tokens_total = "lokal_prompt_tokens_total";
inline constexpr std::string_view cached_prompt_tokens_total = "lokal_cached_prompt_tokens_total";
inline constexpr std::string_view restored_prompt_tokens_total = "lokal_restored_prompt_tokens_total";
inline constexpr std::string_view generated_tokens_total = "lokal_generated_tokens_total";
inline constexpr std::string_view draft_tokens_total = "lokal_draft_tokens_total";
inline constexpr std::string_view draft_accepted_tokens_total = "lokal_draft_accepted_tokens_total";
inline constexpr std::string_view request_duration_seconds = "lokal_request_duration_seconds";
inline constexpr std::string_view models_loaded = "lokal_models_loaded";
inline constexpr std::string_view queue_pending = "lokal_queue_pending";
inline constexpr std::string_view slots_busy = "lokal_slots_busy";
inline constexpr std::string_view model_load_seconds = "lokal_model_load_seconds";

// Declares every family above on r.
void declare_lokal_metrics(registry & r);

}  // namespace lokal::metrics
