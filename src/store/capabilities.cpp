#include "store/capabilities.h"

#include <algorithm>

namespace lokal::store {

namespace {

void add(std::vector<std::string> & caps, const std::string & c) {
    if (std::find(caps.begin(), caps.end(), c) == caps.end()) caps.push_back(c);
}

bool contains(const std::string & s, const char * needle) { return s.find(needle) != std::string::npos; }

// Go template heuristics: the fields the template reads. A full template
// parse would be exact; these fields do not occur otherwise in practice.
void go_template_capabilities(std::vector<std::string> & caps, const std::string & t) {
    if (contains(t, ".Tools")) add(caps, "tools");
    if (contains(t, ".Suffix")) add(caps, "insert");
    if (contains(t, ".Thinking") || contains(t, ".IsThinkSet")) add(caps, "thinking");
}

}  // namespace

// Jinja chat template heuristics, as Ollama applies them.
void jinja_capabilities(std::vector<std::string> & caps, const std::string & t) {
    if (t.empty()) return;
    if (contains(t, "tools") || contains(t, "tool_call")) add(caps, "tools");
    bool think_tags = contains(t, "<think>") && contains(t, "</think>");
    bool split_think = (contains(t, "content.split('</think>')") || contains(t, "content.split(\"</think>\")")) &&
                       !contains(t, "reasoning_content") && !contains(t, "<SPECIAL_12>");
    if (think_tags || split_think) add(caps, "thinking");
}

bool uses_harmony(const std::string & family, const std::string & t) {
    return (family == "gptoss" || family == "gpt-oss") && contains(t, "<|start|>") && contains(t, "<|end|>");
}

std::vector<std::string> model_capabilities(const model_record & rec, const gguf::file * g) {
    std::vector<std::string> caps;
    if (auto it = rec.config.find("capabilities"); it != rec.config.end() && it->is_array()) {
        for (const auto & c : *it) {
            if (c.is_string()) add(caps, c.get<std::string>());
        }
    }
    if (g != nullptr) {
        if (!rec.template_text) jinja_capabilities(caps, g->chat_template());
        add(caps, g->has_pooling() ? "embedding" : "completion");
        std::string arch = g->architecture();
        if (g->find(arch + ".vision.block_count") != nullptr) add(caps, "vision");
        if (g->find(arch + ".audio.block_count") != nullptr) add(caps, "audio");
    }
    if (!rec.projector_path.empty()) add(caps, "vision");
    if (rec.template_text) {
        go_template_capabilities(caps, *rec.template_text);
        std::string family = rec.config.is_object() ? rec.config.value("model_family", "") : "";
        if (uses_harmony(family, *rec.template_text)) {
            add(caps, "tools");
            add(caps, "thinking");
        }
    }
    return caps;
}

}  // namespace lokal::store
