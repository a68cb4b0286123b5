#include "engine/text_stream.h"

#include <algorithm>

namespace lokal::engine {

size_t utf8_complete_prefix(std::string_view s) {
    // Walk back over at most 3 continuation bytes to the lead byte of the
    // last character and check whether that character is complete.
    size_t n = s.size();
    size_t i = n;
    int cont = 0;
    while (i > 0 && cont < 4) {
        unsigned char c = static_cast<unsigned char>(s[i - 1]);
        if ((c & 0xC0) != 0x80) break;
        --i;
        ++cont;
    }
    if (i == 0) return cont > 0 ? n : 0;  // only continuation bytes: pass them through
    unsigned char lead = static_cast<unsigned char>(s[i - 1]);
    int need = 0;
    if (lead < 0x80) need = 0;
    else if ((lead & 0xE0) == 0xC0) need = 1;
    else if ((lead & 0xF0) == 0xE0) need = 2;
    else if ((lead & 0xF8) == 0xF0) need = 3;
    else return n;  // invalid lead byte: nothing to wait for
    return cont >= need ? n : i - 1;
}

text_stream::text_stream(std::vector<std::string> stops) : stops_(std::move(stops)) {
    stops_.erase(std::remove(stops_.begin(), stops_.end(), std::string()), stops_.end());
}

std::string text_stream::push(std::string_view piece) {
    if (stopped_) return {};
    pending_.append(piece);

    // A complete stop sequence: emit what precedes the earliest one.
    size_t cut = std::string::npos;
    for (const auto & s : stops_) {
        size_t p = pending_.find(s);
        if (p != std::string::npos) cut = std::min(cut, p);
    }
    if (cut != std::string::npos) {
        std::string out = pending_.substr(0, cut);
        pending_.clear();
        stopped_ = true;
        return out;
    }

    // Hold back the longest tail that is a prefix of some stop sequence.
    size_t hold = 0;
    for (const auto & s : stops_) {
        size_t max_len = std::min(s.size() - 1, pending_.size());
        for (size_t len = max_len; len > hold; --len) {
            if (pending_.compare(pending_.size() - len, len, s, 0, len) == 0) {
                hold = len;
                break;
            }
        }
    }
    size_t emit = pending_.size() - hold;
    emit = utf8_complete_prefix(std::string_view(pending_).substr(0, emit));
    std::string out = pending_.substr(0, emit);
    pending_.erase(0, emit);
    return out;
}

std::string text_stream::flush() {
    if (stopped_) return {};
    std::string out = std::move(pending_);
    pending_.clear();
    return out;
}

}  // namespace lokal::engine
