// JSON request decoding, as the HTTP layer does it: any body is parsed as
// JSON, then decoded as each endpoint's request (generate, chat, options,
// keep_alive); a wrong type or value is an error, never a crash.
#include "api/options.h"
#include "api/requests.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t * data, size_t size) {
    std::string_view text(reinterpret_cast<const char *>(data), size);
    lokal::json j = lokal::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) return 0;
    (void)lokal::api::parse_generate(j);
    (void)lokal::api::parse_chat(j);
    lokal::api::options opts;
    (void)lokal::api::apply_json(opts, j);
    if (j.contains("keep_alive")) (void)lokal::api::parse_keep_alive(j["keep_alive"]);
    return 0;
}
