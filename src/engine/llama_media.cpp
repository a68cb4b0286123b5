#include "engine/llama_media.h"

#include <mtmd-helper.h>

namespace lokal::engine {

result<media_prompt> tokenize_media(const llama_model_handle & m, const std::string & prompt,
                                    const std::vector<std::string> & images) {
    if (!m.mtmd()) return make_error(errc::invalid_request, "this model does not support images");
    std::vector<mtmd::bitmap_ptr> owned;
    std::vector<const mtmd_bitmap *> bitmaps;
    for (size_t i = 0; i < images.size(); ++i) {
        const auto * data = reinterpret_cast<const unsigned char *>(images[i].data());
        auto w = mtmd_helper_bitmap_init_from_buf(m.mtmd(), data, images[i].size(), false, mtmd_helper_init_opt_default());
        if (!w.bitmap) {
            return make_error(errc::invalid_request, "image " + std::to_string(i) + " is not a readable image (PNG, JPEG, ...)");
        }
        owned.emplace_back(w.bitmap);
        bitmaps.push_back(w.bitmap);
    }
    media_prompt mp;
    mp.chunks.reset(mtmd_input_chunks_init());
    mtmd_input_text text{prompt.c_str(), prompt.size(), true, true};
    int32_t rc = mtmd_tokenize(m.mtmd(), mp.chunks.get(), &text, bitmaps.data(), bitmaps.size());
    if (rc == 1) return make_error(errc::invalid_request, "the number of images does not match the prompt");
    if (rc != 0) return make_error(errc::invalid_request, "the model's projector could not process an image");
    for (size_t i = 0; i < mtmd_input_chunks_size(mp.chunks.get()); ++i) {
        const mtmd_input_chunk * c = mtmd_input_chunks_get(mp.chunks.get(), i);
        if (mtmd_input_chunk_get_type(c) == MTMD_INPUT_CHUNK_TYPE_TEXT) {
            size_t n = 0;
            const llama_token * toks = mtmd_input_chunk_get_tokens_text(c, &n);
            mp.tokens.insert(mp.tokens.end(), toks, toks + n);
        } else {
            mp.tokens.insert(mp.tokens.end(), static_cast<size_t>(mtmd_input_chunk_get_n_pos(c)), LLAMA_TOKEN_NULL);
        }
    }
    return mp;
}

status eval_media(const llama_model_handle & m, const media_prompt & mp, llama_seq_id seq, int n_batch) {
    llama_pos n_past = 0;
    int32_t rc = mtmd_helper_eval_chunks(m.mtmd(), m.ctx(), mp.chunks.get(), 0, seq, n_batch, true, &n_past);
    if (rc != 0) return make_error(errc::internal, "evaluating the prompt's images failed (code " + std::to_string(rc) + ")");
    if (n_past != static_cast<llama_pos>(mp.tokens.size())) {
        return make_error(errc::internal, "this model's image positions are not supported yet");
    }
    return {};
}

}  // namespace lokal::engine
