// Conversations that lost their slot, kept in host RAM (llama-server's
// --cache-ram). With more chats than slots, a slot that goes to another
// conversation would otherwise forget this one's history, and its next turn
// would evaluate all of it again; the saved KV state makes that turn as
// cheap as if it had kept its slot. Model-free: the runner serializes and
// restores the states, this keeps them within a byte limit.
#pragma once

#include <cstdint>
#include <list>
#include <optional>
#include <vector>

namespace lokal::engine {

struct saved_prompt {
    std::vector<int32_t> tokens;  // what the state holds, in order
    std::vector<uint8_t> state;   // llama_state_seq_get_data_ext's bytes
    int32_t pos_min = 0;          // lowest position held (sliding-window layers drop old ones)
};

// How many tokens a and b share from the start.
size_t common_prefix(const std::vector<int32_t> & a, const std::vector<int32_t> & b);

// Whether a cache whose lowest position is pos_min still holds every
// position a token at next_pos attends to in sliding-window layers of
// n_swa (always, without such layers). llama.cpp keeps a sequence's
// positions contiguous from its lowest one, so the lowest position tells.
bool window_holds(int64_t pos_min, int64_t next_pos, int n_swa);

// How much of a prompt a cache (lowest position pos_min) sharing `common`
// tokens with it can serve: the common prefix, less the last prompt token
// (evaluated again for its logits), and nothing at all when the window the
// next token needs is gone (window_holds).
size_t usable_prefix(size_t common, size_t prompt_size, int32_t pos_min, int n_swa);

class prompt_cache {
public:
    prompt_cache(uint64_t limit_bytes, int n_swa) : limit_(limit_bytes), n_swa_(n_swa) {}

    bool enabled() const { return limit_ > 0; }
    uint64_t bytes() const { return bytes_; }
    size_t size() const { return entries_.size(); }

    // Keeps p as the most recently used entry. Entries it extends are
    // dropped (p holds all they do), then the least recently used ones
    // until the total fits the limit; p alone larger than that is not kept.
    void put(saved_prompt p);

    // Removes and returns the entry that serves the most of prompt, if it
    // serves more than `better_than` tokens.
    std::optional<saved_prompt> take(const std::vector<int32_t> & prompt, size_t better_than);

private:
    uint64_t limit_;
    int n_swa_;
    uint64_t bytes_ = 0;
    std::list<saved_prompt> entries_;  // least recently used first
};

}  // namespace lokal::engine
