// gpt-oss's "harmony" output format, parsed the way Ollama's harmony handler
// does. The model writes messages
//   <|start|>assistant<|channel|>analysis<|message|>…<|end|>
//   <|start|>assistant<|channel|>final<|message|>…   (ended by <|return|>)
//   <|start|>assistant<|channel|>commentary to=functions.f <|constrain|>json<|message|>{…}   (ended by <|call|>)
// The prompt already ends with "<|start|>assistant", so the output starts at
// the channel. The analysis channel is thinking, final and plain commentary
// are content, a message with a recipient (to=…) is a tool call whose JSON
// arguments are parsed when the output ends. Text outside messages is dropped.
#pragma once

#include "chat/output.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace lokal::chat {

// Tool names as the model sees them: harmony's tool names are TypeScript-like
// identifiers, so "get-weather" is offered as "get_weather" and a call of
// "get_weather" is reported under the user's name again.
class harmony_names {
public:
    // The model's name for a tool (unique; "f", "f_2", … for clashes).
    std::string add(const std::string & user_name);
    std::string user_name(const std::string & model_name) const;

private:
    std::map<std::string, std::string> to_model_, to_user_;
};

// The request's tools with their names converted (names is filled).
json harmony_tools(const json & tools, harmony_names & names);

// How the output continues the prompt: a chat whose last message is the
// assistant's own (a prefill) continues that message's final or analysis
// channel instead of starting a new message.
enum class harmony_prefill { none, final, analysis };

std::unique_ptr<output_parser> make_harmony_parser(harmony_names names, harmony_prefill prefill);

// The special tokens the parser needs to see as text in the output.
std::vector<std::string> harmony_preserved_tokens();

}  // namespace lokal::chat
