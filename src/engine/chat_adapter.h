// The model's own (Jinja) chat template with tools and thinking, through
// libcommon: renders the prompt (common_chat_templates_apply) and parses the
// output incrementally (common_chat_parse) into chat::delta, so no libcommon
// type leaves engine/.
#pragma once

#include "engine/runner.h"

#include <string>

struct common_chat_templates;  // libcommon's, opaque here

namespace lokal::engine {

result<chat_prompt> render_chat_with_templates(const common_chat_templates * tmpls,
                                               const chat_template_request & req);

// The same for a Jinja source without a model (tests; BOS/EOS as given).
result<chat_prompt> render_chat_with_source(const std::string & jinja, const chat_template_request & req,
                                            const std::string & bos = "", const std::string & eos = "");

}  // namespace lokal::engine
