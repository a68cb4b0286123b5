#include "cli/line_editor.h"
#include "cli/response_printer.h"

#include <gtest/gtest.h>

using namespace lokal::cli;

namespace {

std::function<int()> bytes(const std::string & s) {
    auto pos = std::make_shared<size_t>(0);
    return [s, pos]() -> int { return *pos < s.size() ? static_cast<unsigned char>(s[(*pos)++]) : -1; };
}

}  // namespace

TEST(cli_line_editor, buffer_editing) {
    edit_buffer b;
    for (char32_t c : std::u32string(U"héllo world")) b.insert(c);
    EXPECT_EQ(b.text(), "héllo world");
    b.word_left();
    EXPECT_EQ(b.text_before_cursor(), "héllo ");
    b.backspace();
    EXPECT_EQ(b.text(), "héllo" "world");
    b.insert(U'_');
    b.home();
    b.delete_forward();
    EXPECT_EQ(b.text(), "éllo_world");
    b.word_right();
    EXPECT_EQ(b.cursor(), b.size());
    b.delete_word_before();
    EXPECT_EQ(b.text(), "");

    b.replace("one two three");
    b.left();
    b.left();
    b.kill_to_end();
    EXPECT_EQ(b.text(), "one two thr");
    b.word_left();
    b.kill_to_start();
    EXPECT_EQ(b.text(), "thr");
    EXPECT_EQ(b.cursor(), 0u);
}

TEST(cli_line_editor, history_walks_back_and_restores_the_draft) {
    line_history h;
    h.add("first");
    h.add("second");
    h.add("second");  // repeats are stored once
    h.add("");
    EXPECT_EQ(*h.prev("draft"), "second");
    EXPECT_EQ(*h.prev("ignored"), "first");
    EXPECT_FALSE(h.prev("x"));
    EXPECT_EQ(*h.next(), "second");
    EXPECT_EQ(*h.next(), "draft");
    EXPECT_FALSE(h.next());
    h.enabled = false;
    h.add("secret");
    EXPECT_EQ(*h.prev(""), "second");
}

TEST(cli_line_editor, keys) {
    auto src = bytes("a\xC3\xA9\r\x7f\x03\x04\x1b[A\x1b[B\x1b[C\x1b[D\x1b[H\x1b[F\x1b[3~\x1b[200~\x1b[201~\x1b"
                     "b\x1b"
                     "f\x01\x05\x0b\x15\x17\x0c\x1b[1;5C\x1b[99~");
    const key_kind expected[] = {
        key_kind::character, key_kind::character, key_kind::enter,       key_kind::backspace,
        key_kind::interrupt, key_kind::eof,       key_kind::up,          key_kind::down,
        key_kind::right,     key_kind::left,      key_kind::home,        key_kind::end,
        key_kind::del,       key_kind::paste_start, key_kind::paste_end, key_kind::word_left,
        key_kind::word_right, key_kind::home,     key_kind::end,         key_kind::kill_to_end,
        key_kind::kill_to_start, key_kind::delete_word, key_kind::clear_screen, key_kind::word_right,
        key_kind::ignore,    key_kind::eof,
    };
    std::vector<key> got;
    for (size_t i = 0; i < std::size(expected); ++i) got.push_back(read_key(src));
    for (size_t i = 0; i < std::size(expected); ++i) EXPECT_EQ(got[i].kind, expected[i]) << "key " << i;
    EXPECT_EQ(got[0].ch, U'a');
    EXPECT_EQ(got[1].ch, U'\u00e9');
}

TEST(cli_response_printer, word_wrap_moves_the_cut_word) {
    word_wrapper w(20);  // wraps before column 15
    const std::string out = w.feed("hello brave new world");
    EXPECT_EQ(out, "hello brave new\x1b[3D\x1b[K\nnew world");
    word_wrapper none(0);
    EXPECT_EQ(none.feed("hello brave new world"), "hello brave new world");
}

TEST(cli_response_printer, newline_resets_the_line) {
    word_wrapper w(20);
    EXPECT_EQ(w.feed("0123456789\n0123456789"), "0123456789\n0123456789");
}

TEST(cli_response_printer, thinking_frame) {
    response_printer p(0, true, false);
    std::string out = p.thinking("Let me see");
    out += p.thinking(" more.");
    out += p.content("Answer.");
    EXPECT_EQ(out, "Thinking...\nLet me see more.\n...done thinking.\n\nAnswer.");
    response_printer hidden(0, true, true);
    EXPECT_EQ(hidden.thinking("secret") + hidden.content("Answer."), "Answer.");
}
