#include "api/options.h"

#include <gtest/gtest.h>

using namespace lokal;
using namespace lokal::api;

namespace {

std::string json_error(const std::string & text) {
    options o;
    auto st = apply_json(o, json::parse(text));
    return st ? std::string("ok") : st.err().message;
}

std::string param_error(const std::string & key, const std::string & value) {
    options o;
    auto st = apply_param(o, key, value);
    return st ? std::string("ok") : st.err().message;
}

}  // namespace

TEST(Options, OllamaDefaults) {
    options o = default_options();
    EXPECT_EQ(o.num_ctx, 4096);
    EXPECT_EQ(o.num_batch, 512);
    EXPECT_EQ(o.num_gpu, -1);
    EXPECT_EQ(o.main_gpu, 0);
    EXPECT_EQ(o.num_thread, 0);
    EXPECT_FALSE(o.use_mmap.has_value());
    EXPECT_EQ(o.num_keep, 4);
    EXPECT_EQ(o.seed, -1);
    EXPECT_EQ(o.num_predict, -1);
    EXPECT_EQ(o.top_k, 40);
    EXPECT_FLOAT_EQ(o.top_p, 0.9f);
    EXPECT_FLOAT_EQ(o.min_p, 0.0f);
    EXPECT_FLOAT_EQ(o.typical_p, 1.0f);
    EXPECT_EQ(o.repeat_last_n, 64);
    EXPECT_FLOAT_EQ(o.temperature, 0.8f);
    EXPECT_FLOAT_EQ(o.repeat_penalty, 1.0f);
    EXPECT_FLOAT_EQ(o.presence_penalty, 0.0f);
    EXPECT_FLOAT_EQ(o.frequency_penalty, 0.0f);
    EXPECT_TRUE(o.stop.empty());
}

TEST(Options, ApplyJsonTypes) {
    options o;
    ASSERT_TRUE(apply_json(o, json::parse(R"({
        "num_ctx": 8192, "num_predict": 12.9, "temperature": 0, "top_p": 1, "seed": 42,
        "use_mmap": false, "stop": ["a", "b"], "num_gpu": null, "unknown_key": {"x": 1},
        "mirostat": 2, "tfs_z": 1.0, "penalize_newline": true, "numa": false, "low_vram": true,
        "f16_kv": true, "vocab_only": false, "use_mlock": false, "mirostat_tau": 5, "mirostat_eta": 0.1
    })")));
    EXPECT_EQ(o.num_ctx, 8192);
    EXPECT_EQ(o.num_predict, 12);  // floats are truncated into integer options, as Go's int(float64)
    EXPECT_FLOAT_EQ(o.temperature, 0.0f);
    EXPECT_FLOAT_EQ(o.top_p, 1.0f);
    EXPECT_EQ(o.seed, 42);
    EXPECT_EQ(o.use_mmap, std::optional<bool>(false));
    EXPECT_EQ(o.stop, (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(o.num_gpu, -1);  // null is ignored
    // stop replaces, it does not append
    ASSERT_TRUE(apply_json(o, json::parse(R"({"stop": ["c"]})")));
    EXPECT_EQ(o.stop, (std::vector<std::string>{"c"}));
    EXPECT_TRUE(apply_json(o, json(nullptr)));
}

TEST(Options, ApplyJsonErrorsLikeOllama) {
    EXPECT_EQ(json_error(R"({"temperature": "hot"})"), "option \"temperature\" must be of type float32");
    EXPECT_EQ(json_error(R"({"num_ctx": "4096"})"), "option \"num_ctx\" must be of type integer");
    EXPECT_EQ(json_error(R"({"num_ctx": true})"), "option \"num_ctx\" must be of type integer");
    EXPECT_EQ(json_error(R"({"use_mmap": 1})"), "option \"use_mmap\" must be of type boolean");
    EXPECT_EQ(json_error(R"({"stop": "x"})"), "option \"stop\" must be of type array");
    EXPECT_EQ(json_error(R"({"stop": ["x", 1]})"), "option \"stop\" must be of an array of strings");
    EXPECT_EQ(json_error(R"([1])"), "options must be an object");
    // A failed apply leaves the options unchanged.
    options o;
    EXPECT_FALSE(apply_json(o, json::parse(R"({"num_ctx": 100, "temperature": "x"})")));
    EXPECT_EQ(o.num_ctx, 4096);
}

TEST(Options, RangeChecks) {
    EXPECT_EQ(json_error(R"({"num_ctx": 1000000000})"), "option \"num_ctx\" must be between 1 and 1048576, got 1000000000");
    EXPECT_NE(json_error(R"({"num_ctx": 0})"), "ok");
    EXPECT_NE(json_error(R"({"num_ctx": -5})"), "ok");
    EXPECT_EQ(json_error(R"({"num_ctx": 1048576})"), "ok");
    EXPECT_EQ(json_error(R"({"num_predict": -2})"), "ok");
    EXPECT_NE(json_error(R"({"num_predict": -3})"), "ok");
    EXPECT_NE(json_error(R"({"num_batch": 0})"), "ok");
    EXPECT_NE(json_error(R"({"num_thread": -1})"), "ok");
    EXPECT_NE(json_error(R"({"top_k": -1})"), "ok");
    EXPECT_NE(json_error(R"({"top_p": 1.5})"), "ok");
    EXPECT_NE(json_error(R"({"temperature": -0.1})"), "ok");
    EXPECT_NE(json_error(R"({"num_gpu": -2})"), "ok");
    EXPECT_NE(json_error(R"({"num_ctx": 1e300})"), "ok");
    EXPECT_NE(json_error(R"({"seed": 1e300})"), "ok");
    EXPECT_EQ(json_error(R"({"seed": -1})"), "ok");
    json many = json::array();
    for (int i = 0; i < 65; ++i) many.push_back("s");
    options o;
    EXPECT_FALSE(apply_json(o, json{{"stop", many}}));
    EXPECT_FALSE(apply_json(o, json{{"stop", {std::string(5000, 'x')}}}));
}

TEST(Options, DraftModelOptions) {
    options o;
    EXPECT_EQ(o.draft_num_predict, -1);  // the server's LOKAL_DRAFT_NUM_PREDICT
    ASSERT_TRUE(apply_json(o, json{{"draft_num_predict", 6}, {"draft_min", 2}, {"draft_p_min", 0.75}}));
    EXPECT_EQ(o.draft_num_predict, 6);
    EXPECT_EQ(o.draft_min, 2);
    EXPECT_FLOAT_EQ(o.draft_p_min, 0.75f);
    EXPECT_NE(json_error(R"({"draft_num_predict": -1})"), "ok");
    EXPECT_NE(json_error(R"({"draft_min": -1})"), "ok");
    EXPECT_NE(json_error(R"({"draft_p_min": 1.5})"), "ok");
    EXPECT_TRUE(apply_param(o, "draft_num_predict", "0"));
    EXPECT_EQ(o.draft_num_predict, 0);
}

TEST(Options, ApplyParam) {
    options o;
    ASSERT_TRUE(apply_param(o, "temperature", "0.25"));
    ASSERT_TRUE(apply_param(o, "num_ctx", "2048"));
    ASSERT_TRUE(apply_param(o, "stop", "a"));
    ASSERT_TRUE(apply_param(o, "stop", "b"));
    ASSERT_TRUE(apply_param(o, "use_mmap", "True"));
    ASSERT_TRUE(apply_param(o, "mirostat", "2"));  // retired: accepted and ignored
    EXPECT_FLOAT_EQ(o.temperature, 0.25f);
    EXPECT_EQ(o.num_ctx, 2048);
    EXPECT_EQ(o.stop, (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(o.use_mmap, std::optional<bool>(true));

    EXPECT_EQ(param_error("foo", "1"), "unknown parameter 'foo'");
    EXPECT_EQ(param_error("num_ctx", "4096.0"), "invalid int value \"4096.0\" for parameter \"num_ctx\"");
    EXPECT_EQ(param_error("num_ctx", " 1"), "invalid int value \" 1\" for parameter \"num_ctx\"");
    EXPECT_EQ(param_error("temperature", "warm"), "invalid float value \"warm\" for parameter \"temperature\"");
    EXPECT_EQ(param_error("use_mmap", "yes"), "invalid bool value \"yes\" for parameter \"use_mmap\"");
    EXPECT_NE(param_error("temperature", "inf"), "ok");
    EXPECT_NE(param_error("num_ctx", "99999999999999999999"), "ok");
    EXPECT_NE(param_error("num_ctx", "1000000000"), "ok");
}

TEST(Options, ParamsToJson) {
    auto j = params_to_json({{"temperature", "0.7"},
                             {"stop", "<|eot_id|>"},
                             {"num_ctx", "4096"},
                             {"stop", "USER:"},
                             {"use_mmap", "false"},
                             {"penalize_newline", "true"},
                             {"seed", "-7"}});
    ASSERT_TRUE(j) << j.err().message;
    EXPECT_EQ(*j, json::parse(R"({"temperature":0.7,"stop":["<|eot_id|>","USER:"],"num_ctx":4096,
                                  "use_mmap":false,"seed":-7})"));
    EXPECT_TRUE((*j)["num_ctx"].is_number_integer());
    EXPECT_EQ((*j)["temperature"].dump(), "0.7");
    auto bad = params_to_json({{"num_ctx", "lots"}});
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.err().code, errc::invalid_request);
    EXPECT_FALSE(params_to_json({{"nope", "1"}}));
}

TEST(Options, KnownKeys) {
    EXPECT_TRUE(is_known_option("num_ctx"));
    EXPECT_TRUE(is_known_option("stop"));
    EXPECT_FALSE(is_known_option("mirostat"));
    EXPECT_TRUE(is_legacy_option("mirostat"));
    EXPECT_TRUE(is_legacy_option("use_mlock"));
    EXPECT_FALSE(is_legacy_option("num_ctx"));
}

TEST(Options, FlashAttentionAndKvCacheTypePerModel) {
    options o;
    ASSERT_TRUE(apply_json(o, json{{"flash_attention", false}, {"kv_cache_type", "q8_0"}}));
    EXPECT_EQ(o.flash_attention, std::optional<bool>(false));
    EXPECT_EQ(o.kv_cache_type, "q8_0");
    EXPECT_FALSE(apply_json(o, json{{"kv_cache_type", "q3_k"}}));
    EXPECT_FALSE(apply_json(o, json{{"flash_attention", "yes"}}));
    EXPECT_EQ(o.kv_cache_type, "q8_0");  // unchanged by the failed calls

    auto j = params_to_json({{"flash_attention", "true"}, {"kv_cache_type", "q4_0"}});
    ASSERT_TRUE(j) << j.err().message;
    EXPECT_EQ(*j, json::parse(R"({"flash_attention":true,"kv_cache_type":"q4_0"})"));
    EXPECT_EQ(param_error("kv_cache_type", "int8"),
              "option \"kv_cache_type\" must be one of f32, f16, bf16, q8_0, q4_0, q4_1, iq4_nl, q5_0, q5_1");
    EXPECT_EQ(option_type_of("kv_cache_type"), option_type::string);
    EXPECT_EQ(option_type_of("flash_attention"), option_type::boolean);
    EXPECT_EQ(option_type_of("num_ctx"), option_type::integer);
    EXPECT_EQ(option_type_of("stop"), option_type::string_list);
    EXPECT_FALSE(option_type_of("mirostat"));
}
