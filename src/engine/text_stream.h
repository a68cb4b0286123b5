// Turns the pieces of text a model produces into what a client may see:
// holds back an incomplete UTF-8 character, and any tail that could still
// become a stop sequence; cuts the output where a stop sequence appears.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace lokal::engine {

class text_stream {
public:
    explicit text_stream(std::vector<std::string> stops = {});

    // Adds a piece; returns the text that is safe to emit now.
    std::string push(std::string_view piece);
    // At the end of generation: whatever is still held back (never part of
    // a matched stop sequence).
    std::string flush();
    bool stopped() const { return stopped_; }

private:
    std::vector<std::string> stops_;
    std::string pending_;
    bool stopped_ = false;
};

// Length of the longest prefix of s that ends on a UTF-8 character boundary.
size_t utf8_complete_prefix(std::string_view s);

}  // namespace lokal::engine
