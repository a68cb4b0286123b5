// Quantization target names: Ollama's spelling, case-insensitive, aliases.
#include "engine/quantize.h"

#include <gtest/gtest.h>

using namespace lokal;

TEST(QuantizeTypes, NamesAreCanonicalisedAndUnknownOnesRefused) {
    EXPECT_EQ(engine::canonical_quantize_type("q4_K_M"), "Q4_K_M");
    EXPECT_EQ(engine::canonical_quantize_type("q4_k"), "Q4_K_M");
    EXPECT_EQ(engine::canonical_quantize_type("Q5_K"), "Q5_K_M");
    EXPECT_EQ(engine::canonical_quantize_type("f16"), "F16");
    EXPECT_EQ(engine::canonical_quantize_type("q9_0"), "");
    EXPECT_EQ(engine::canonical_quantize_type(""), "");
    for (const char * t : {"Q4_0", "Q4_K_S", "Q4_K_M", "Q5_K_M", "Q6_K", "Q8_0"}) {
        EXPECT_NE(std::find(engine::quantize_types().begin(), engine::quantize_types().end(), t),
                  engine::quantize_types().end()) << t;
    }
}

TEST(QuantizeTypes, AnUnknownTargetIsAnErrorNotACrash) {
    auto st = engine::quantize_model("/nonexistent.gguf", "F16", "/tmp/never-written.gguf", "Q9", 1, {});
    ASSERT_FALSE(st);
    EXPECT_EQ(st.err().code, errc::invalid_request);
}
