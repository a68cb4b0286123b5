// The Go encodings shared by store/ (manifests, blobs, /api/show) and
// template/ (print, printf, json): one implementation, checked here.
#include "core/gojson.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace gofmt = lokal::gofmt;

namespace {

std::string json_string(std::string_view s) {
    std::string out;
    gofmt::append_json_string(out, s);
    return out;
}

}  // namespace

TEST(core_gojson, decode_utf8_follows_go) {
    char32_t cp = 0;
    EXPECT_EQ(gofmt::decode_utf8("\xe2\x80\xa8", 0, cp), 3u);
    EXPECT_EQ(cp, 0x2028u);
    EXPECT_EQ(gofmt::decode_utf8("\xc0\x80", 0, cp), 0u);          // overlong
    EXPECT_EQ(gofmt::decode_utf8("\xed\xa0\x80", 0, cp), 0u);      // surrogate
    EXPECT_EQ(gofmt::decode_utf8("\xf4\x90\x80\x80", 0, cp), 0u);  // above U+10FFFF
    EXPECT_EQ(gofmt::decode_utf8("\xe2\x82", 0, cp), 0u);          // truncated
}

TEST(core_gojson, json_string_escapes_as_encoding_json) {
    EXPECT_EQ(json_string("a<b>&c"), R"("a\u003cb\u003e\u0026c")");
    EXPECT_EQ(json_string("\xe2\x80\xa8\xe2\x80\xa9"), R"("\u2028\u2029")");
    EXPECT_EQ(json_string(std::string("\xff\x01\"\\\n\r\t", 7)), R"("\ufffd\u0001\"\\\n\r\t")");
    EXPECT_EQ(json_string("\xef\xbf\xbd\xc3\xa9\x7f"), "\"\xef\xbf\xbd\xc3\xa9\x7f\"");
    EXPECT_EQ(json_string("\b\f"), R"("\b\f")");
}

TEST(core_gojson, json_float_switches_to_exponent_outside_1e_minus6_to_1e21) {
    EXPECT_EQ(gofmt::json_float(0.7), "0.7");
    EXPECT_EQ(gofmt::json_float(-0.0), "-0");
    EXPECT_EQ(gofmt::json_float(1e-6), "0.000001");
    EXPECT_EQ(gofmt::json_float(1e-7), "1e-7");
    EXPECT_EQ(gofmt::json_float(1e20), "100000000000000000000");
    EXPECT_EQ(gofmt::json_float(1e21), "1e+21");
    EXPECT_EQ(gofmt::json_float(NAN), std::nullopt);
    EXPECT_EQ(gofmt::json_float(-INFINITY), std::nullopt);
}

TEST(core_gojson, format_float_shortest_g_is_go_percent_v) {
    EXPECT_EQ(gofmt::format_float(1e-5, 'g', -1), "1e-05");
    EXPECT_EQ(gofmt::format_float(0.0001, 'g', -1), "0.0001");
    EXPECT_EQ(gofmt::format_float(123456, 'g', -1), "123456");
    EXPECT_EQ(gofmt::format_float(1e6, 'g', -1), "1e+06");
    EXPECT_EQ(gofmt::format_float(NAN, 'g', -1), "NaN");
    EXPECT_EQ(gofmt::format_float(INFINITY, 'g', -1), "+Inf");
    EXPECT_EQ(gofmt::format_float(1.5, 'e', 3), "1.500e+00");
}
