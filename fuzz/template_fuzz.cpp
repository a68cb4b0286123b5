// Go text/template engine: any template text parses or fails cleanly, and a
// parsed template renders within its limits (steps, depth, output) against
// Ollama's prompt data, or fails cleanly.
#include "template/template.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t * data, size_t size) {
    std::string_view text(reinterpret_cast<const char *>(data), size);
    auto t = lokal::tmpl::parse(text);
    if (!t) return 0;
    lokal::tmpl::limits lim;
    lim.max_steps = 20'000;
    lim.max_output_bytes = 1u << 16;
    lokal::json vars = {{"System", "sys"},
                        {"Prompt", "hi"},
                        {"Response", ""},
                        {"Messages", lokal::json::array({{{"Role", "user"}, {"Content", "hello"}},
                                                          {{"Role", "assistant"}, {"Content", "hey"}}})},
                        {"Tools", lokal::json::array()}};
    (void)lokal::tmpl::render(**t, vars, lim);
    return 0;
}
