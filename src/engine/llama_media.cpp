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
            const size_t n_pos = static_cast<size_t>(mtmd_input_chunk_get_n_pos(c));
            mp.media.push_back({mp.tokens.size(), n_pos, i});
            mp.tokens.insert(mp.tokens.end(), n_pos, LLAMA_TOKEN_NULL);
        }
    }
    return mp;
}

const media_prompt::span * media_at(const media_prompt & mp, size_t pos) {
    for (const auto & img : mp.media) {
        if (img.pos == pos) return &img;
    }
    return nullptr;
}

status eval_image(const llama_model_handle & m, const media_prompt & mp, const media_prompt::span & img,
                  llama_seq_id seq, int n_batch, bool last) {
    const mtmd_input_chunk * chunk = mtmd_input_chunks_get(mp.chunks.get(), img.chunk);
    const auto n_past = static_cast<llama_pos>(img.pos);
    llama_pos new_n_past = n_past;
    int32_t rc = mtmd_helper_eval_chunk_single(m.mtmd(), m.ctx(), chunk, n_past, seq, n_batch, last, &new_n_past);
    if (rc != 0) return make_error(errc::internal, "evaluating the prompt's images failed (code " + std::to_string(rc) + ")");
    // The runner gives text after an image the positions that follow in
    // tokens; models whose images take other positions (M-RoPE) are not
    // supported.
    if (new_n_past != n_past + static_cast<llama_pos>(img.n_pos)) {
        return make_error(errc::internal, "this model's image positions are not supported yet");
    }
    return {};
}

}  // namespace lokal::engine
