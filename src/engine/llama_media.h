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
};

// Thread-safe (the HTTP thread decodes and tokenizes the images).
result<media_prompt> tokenize_media(const llama_model_handle & m, const std::string & prompt,
                                    const std::vector<std::string> & images);

// Decodes every chunk into sequence seq from position 0, logits for the
// last position only. Inference thread only.
status eval_media(const llama_model_handle & m, const media_prompt & mp, llama_seq_id seq, int n_batch);

}  // namespace lokal::engine
