// Ollama's prompt rendering: the data its templates see (.System, .Messages,
// .Tools, .Think, ...) with the Go types Ollama gives them, and the chat and
// generate algorithms of Ollama's template.Execute and server/prompt.go
// (system-message collation, legacy .Prompt/.Response templates rendered
// turn by turn, image tags, optional truncation to the context window).
#pragma once

#include "template/template.h"

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace lokal::tmpl {

// One message as Ollama's api.Message holds it.
// Every member has a default, so {"user", "hi"} is a whole message.
struct chat_turn {
    std::string role = {};
    std::string content = {};
    std::string thinking = {};
    std::vector<std::string> images = {};  // raw bytes of each image
    json tool_calls = nullptr;             // Ollama's wire shape: [{"id","function":{"index","name","arguments"}}]
    std::string tool_name = {};
    std::string tool_call_id = {};
};

struct render_options {
    // The model's SYSTEM: prepended as a system message unless the request's
    // first message (messages[first_request_message]) is one.
    std::string system;
    std::size_t first_request_message = 0;  // messages before it came from the Modelfile
    json tools = nullptr;                   // the request's "tools" array, or null
    std::optional<json> think;              // the request's "think": true/false/"low"/.../"max"
    limits lim;

    // Truncation as Ollama's chatPrompt does it: when count_tokens is set,
    // the oldest messages are dropped (system messages kept) until the
    // prompt plus image_tokens per image fits num_ctx. The last message
    // always stays.
    std::function<result<std::size_t>(const std::string &)> count_tokens;
    std::size_t num_ctx = 0;
    std::size_t image_tokens = 0;

    // render_generate only: images of the prompt and the Modelfile's MESSAGEs.
    std::vector<std::string> images;
    std::vector<chat_turn> history;
};

struct rendered_prompt {
    std::string prompt;
    std::size_t first_message = 0;  // index of the first message kept after truncation
    // Images in the order their [img-N] tags were assigned: (message, image).
    std::vector<std::pair<std::size_t, std::size_t>> images;
};

// Ollama's chatPrompt truncation: the first message to keep. Messages are
// dropped from the front until tokens(i), the size of the prompt rendered
// from kept_messages(msgs, i) plus its images, fits num_ctx; the last
// message always stays (count is the number of messages, at least 1).
result<std::size_t> first_message_to_keep(std::size_t count, std::size_t num_ctx,
                                          const std::function<result<std::size_t>(std::size_t)> & tokens);

// The messages a prompt keeps from `from` on: the system messages before it,
// then all messages from it.
template <class Message>
std::vector<Message> kept_messages(const std::vector<Message> & msgs, std::size_t from) {
    std::vector<Message> out;
    for (std::size_t j = 0; j < from && j < msgs.size(); ++j) {
        if (msgs[j].role == "system") out.push_back(msgs[j]);
    }
    for (std::size_t j = from; j < msgs.size(); ++j) out.push_back(msgs[j]);
    return out;
}

// Ollama's imageTaggedMessages: each image of the messages from `start` on
// becomes an "[img-N]" tag (N counting over those messages), put where the
// content says "[img]" or else before the content. Returns (message, image)
// in tag order.
template <class Message>
std::vector<std::pair<std::size_t, std::size_t>> tag_images(std::vector<Message> & msgs, std::size_t start) {
    std::vector<std::pair<std::size_t, std::size_t>> tagged;
    for (std::size_t i = start; i < msgs.size(); ++i) {
        std::string prefix;
        std::string & content = msgs[i].content;
        for (std::size_t k = 0; k < msgs[i].images.size(); ++k) {
            const std::string tag = "[img-" + std::to_string(tagged.size()) + "]";
            tagged.emplace_back(i, k);
            if (const std::size_t at = content.find("[img]"); at == std::string::npos) {
                prefix += tag;
            } else {
                content.replace(at, 5, tag);
            }
        }
        content.insert(0, prefix);
    }
    return tagged;
}

// Ollama's /api/chat prompt.
result<std::string> render_chat(const parsed_template & t, const std::vector<chat_turn> & messages,
                                const render_options & opts = {});
result<rendered_prompt> render_chat_full(const parsed_template & t, const std::vector<chat_turn> & messages,
                                         const render_options & opts = {});

// Ollama's /api/generate prompt (not raw): with a suffix, .Prompt and
// .Suffix only; otherwise the system (already chosen between the request's
// and the model's), the history (the MESSAGEs) and the prompt as a user
// message, through the chat path.
result<std::string> render_generate(const parsed_template & t, const std::string & system,
                                    const std::string & prompt, const std::string & suffix,
                                    const render_options & opts = {});

// The same with what truncation kept (opts.count_tokens: the MESSAGEs are
// dropped oldest first, as in chat, until the prompt fits).
result<rendered_prompt> render_generate_full(const parsed_template & t, const std::string & system,
                                             const std::string & prompt, const std::string & suffix,
                                             const render_options & opts = {});

// The identifiers a template mentions, lowercased and sorted (Ollama's
// Template.Vars). Fails as Ollama's Parse does for {{template "x"}} with
// no pipeline.
result<std::vector<std::string>> template_vars(const parsed_template & t);

// The tool-call tag Ollama's tools parser looks for: the first text after
// {{if .ToolCalls}} up to any '{', trimmed; "{" when there is none (then
// any JSON object may be a call).
std::string tool_call_tag(const parsed_template & t);

// The thinking tags Ollama infers: the text that opens and closes the list
// around .Thinking inside {{range .Messages}}. Empty when not found; a
// template has the thinking capability when both are set.
std::pair<std::string, std::string> thinking_tags(const parsed_template & t);

// The Go type of the data Ollama passes (map[string]interface{} whose
// entries hold its template structs), for execute().
const go_type * ollama_values_type();

// Think, ThinkLevel and IsThinkSet from the request's "think".
void add_think_values(json & values, const std::optional<json> & think);

// The data Ollama passes for one chat render, with Go field names as keys.
json ollama_chat_values(const std::vector<chat_turn> & collated, const std::string & system, const json & tools,
                        const std::optional<json> & think);

}  // namespace lokal::tmpl
