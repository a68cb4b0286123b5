// Prompts with images, through llama.cpp's mtmd: the prompt's media markers
// become image chunks (encoded by the model's projector), the text between
// them text chunks.
#pragma once

#include "engine/llama_model.h"

#include <mtmd.h>

#include <string>
#include <vector>

namespace lokal::engine {

struct media_prompt {
    mtmd::input_chunks_ptr chunks;
    // Text token ids, LLAMA_TOKEN_NULL at each image position: what the
    // slot's KV cache holds, so a later prompt shares a prefix only up to
    // the first image.
    std::vector<llama_token> tokens;
    // Each image (any non-text chunk): where it starts in tokens, how many
    // positions it takes, which chunk it is.
    struct span {
        size_t pos = 0, n_pos = 0, chunk = 0;
    };
    std::vector<span> media;
};

// Thread-safe (the HTTP thread decodes and tokenizes the images).
result<media_prompt> tokenize_media(const llama_model_handle & m, const std::string & prompt,
                                    const std::vector<std::string> & images);

// The image starting at token position pos, or null.
const media_prompt::span * media_at(const media_prompt & mp, size_t pos);

// Encodes one image and decodes it into sequence seq at its position (mtmd
// runs its own decodes, n_batch tokens each), with logits for its last
// position when `last`. The text between images goes through the runner's
// ordinary batches. Inference thread only.
status eval_image(const llama_model_handle & m, const media_prompt & mp, const media_prompt::span & img,
                  llama_seq_id seq, int n_batch, bool last);

}  // namespace lokal::engine
