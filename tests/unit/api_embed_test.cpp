// Embedding and tokenizer routes: request decoding, Ollama's vector shaping
// and its float32 JSON form.
#include "api/embed.h"
#include "core/gojson.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace api = lokal::api;
using lokal::errc;
using lokal::json;

namespace {

double norm(const std::vector<float> & v) {
    double s = 0;
    for (float x : v) s += static_cast<double>(x) * x;
    return std::sqrt(s);
}

}  // namespace

TEST(api_embed, input_string_array_or_nothing) {
    auto r = api::parse_embed(json{{"model", "m"}, {"input", "hi"}});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->input, std::vector<std::string>{"hi"});
    EXPECT_TRUE(r->truncate);
    EXPECT_EQ(r->dimensions, 0);
    r = api::parse_embed(json{{"model", "m"}, {"input", json::array({"a", "", "b"})}});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->input, (std::vector<std::string>{"a", "", "b"}));
    // An empty string is no input at all (the request only loads the model).
    r = api::parse_embed(json{{"model", "m"}, {"input", ""}});
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->input.empty());
    r = api::parse_embed(json{{"model", "m"}});
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->input.empty());
}

TEST(api_embed, decoding_errors_in_ollama_words) {
    for (const json & bad : {json(3), json::array({1}), json::array({"a", nullptr}), json::object()}) {
        auto r = api::parse_embed(json{{"model", "m"}, {"input", bad}});
        ASSERT_FALSE(r) << bad.dump();
        EXPECT_EQ(r.err().code, errc::invalid_request);
        EXPECT_EQ(r.err().message, "invalid input type");
    }
    auto r = api::parse_embed(json{{"input", "x"}});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.err().code, errc::not_found);
    EXPECT_EQ(r.err().message, "model '' not found");
    EXPECT_FALSE(api::parse_embed(json{{"model", "m"}, {"truncate", "no"}}));
    EXPECT_FALSE(api::parse_embed(json{{"model", "m"}, {"dimensions", 2.5}}));
    EXPECT_FALSE(api::parse_embed(json{{"model", "m"}, {"dimensions", 1LL << 40}}));
    EXPECT_FALSE(api::parse_embed(json{{"model", "m"}, {"options", "x"}}));
    EXPECT_FALSE(api::parse_embed(json{{"model", "m"}, {"keep_alive", "soon"}}));
    EXPECT_FALSE(api::parse_embed(json::array()));
    auto l = api::parse_embeddings(json{{"prompt", "x"}});
    ASSERT_FALSE(l);
    EXPECT_EQ(l.err().message, "model is required");
    EXPECT_FALSE(api::parse_embeddings(json{{"model", "m"}, {"prompt", 1}}));
}

TEST(api_embed, truncate_false_and_keep_alive_decode) {
    auto r = api::parse_embed(json{{"model", "m"}, {"input", "x"}, {"truncate", false}, {"keep_alive", 0},
                                   {"dimensions", 8}});
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->truncate);
    EXPECT_EQ(r->dimensions, 8);
    ASSERT_TRUE(r->keep_alive);
    EXPECT_EQ(r->keep_alive->count(), 0);
}

TEST(api_embed, normalize_gives_unit_length) {
    std::vector<float> v{3, 4};
    ASSERT_TRUE(api::normalize(v));
    EXPECT_FLOAT_EQ(v[0], 0.6f);
    EXPECT_FLOAT_EQ(v[1], 0.8f);
    std::vector<float> zero{0, 0, 0};
    ASSERT_TRUE(api::normalize(zero));  // stays zero, no division by zero
    EXPECT_EQ(zero, (std::vector<float>{0, 0, 0}));
    std::vector<float> nan{1, std::numeric_limits<float>::quiet_NaN()};
    EXPECT_FALSE(api::normalize(nan));
    std::vector<float> inf{1, std::numeric_limits<float>::infinity()};
    EXPECT_FALSE(api::normalize(inf));
}

TEST(api_embed, dimensions_truncate_then_renormalise) {
    std::vector<float> v{1, 2, 2, 100};
    ASSERT_TRUE(api::shape_embedding(v, 3));
    ASSERT_EQ(v.size(), 3u);
    EXPECT_NEAR(norm(v), 1.0, 1e-6);
    EXPECT_NEAR(v[0], 1.0 / 3, 1e-6);
    EXPECT_NEAR(v[1], 2.0 / 3, 1e-6);
    for (int d : {0, -1, 4, 99}) {
        std::vector<float> w{1, 2, 2, 100};
        ASSERT_TRUE(api::shape_embedding(w, d));
        EXPECT_EQ(w.size(), 4u) << d;
        EXPECT_NEAR(norm(w), 1.0, 1e-6);
    }
}

TEST(api_embed, responses_in_go_shape) {
    EXPECT_EQ(api::embed_response("m", {}, 0, 0, 0), R"({"model":"m","embeddings":[]})");
    EXPECT_EQ(api::embed_response("a<b", {{0.1f, -1e-7f}, {1.0f / 3}}, 5, 2, 7),
              R"({"model":"a\u003cb","embeddings":[[0.1,-1e-7],[0.33333334]],"total_duration":5,"load_duration":2,"prompt_eval_count":7})");
    EXPECT_EQ(api::embeddings_response({}), R"({"embedding":[]})");
    // float32 values widened to float64, as Go writes []float64.
    EXPECT_EQ(api::embeddings_response({0.1f, 0.5f}), R"({"embedding":[0.10000000149011612,0.5]})");
}

TEST(api_embed, go_float32_json_form) {
    namespace gofmt = lokal::gofmt;
    EXPECT_EQ(gofmt::json_float32(0.1f), "0.1");
    EXPECT_EQ(gofmt::json_float32(1.0f / 3), "0.33333334");
    EXPECT_EQ(gofmt::json_float32(-0.0033538854f), "-0.0033538854");
    EXPECT_EQ(gofmt::json_float32(1e-6f), "0.000001");
    EXPECT_EQ(gofmt::json_float32(9.99e-7f), "9.99e-7");
    EXPECT_EQ(gofmt::json_float32(16777216.0f), "16777216");
    EXPECT_EQ(gofmt::json_float32(1e21f), "1e+21");
    EXPECT_EQ(gofmt::json_float32(3.4028235e38f), "3.4028235e+38");
    EXPECT_EQ(gofmt::json_float32(-0.0f), "-0");
    EXPECT_EQ(gofmt::json_float32(0.0f), "0");
    EXPECT_FALSE(gofmt::json_float32(std::numeric_limits<float>::infinity()));
}

TEST(api_tokenize, content_prompt_and_llama_server_defaults) {
    auto t = api::parse_tokenize(json{{"model", "m"}, {"content", "hi"}});
    ASSERT_TRUE(t);
    EXPECT_EQ(t->content, "hi");
    EXPECT_FALSE(t->add_special);
    EXPECT_TRUE(t->parse_special);
    EXPECT_FALSE(t->with_pieces);
    t = api::parse_tokenize(json{{"model", "m"}, {"prompt", "yo"}, {"with_pieces", true}, {"add_special", true}});
    ASSERT_TRUE(t);
    EXPECT_EQ(t->content, "yo");
    EXPECT_TRUE(t->with_pieces);
    EXPECT_TRUE(t->add_special);
    EXPECT_FALSE(api::parse_tokenize(json{{"content", "x"}}));
    EXPECT_FALSE(api::parse_tokenize(json{{"model", "m"}, {"content", 5}}));
    EXPECT_FALSE(api::parse_tokenize(json{{"model", "m"}, {"parse_special", "yes"}}));
}

TEST(api_tokenize, detokenize_checks_ids) {
    auto d = api::parse_detokenize(json{{"model", "m"}, {"tokens", json::array({1, 2, 3})}});
    ASSERT_TRUE(d);
    EXPECT_EQ(d->tokens, (std::vector<int32_t>{1, 2, 3}));
    for (const json & bad : {json(1), json::array({-1}), json::array({1.5}), json::array({"1"}),
                             json::array({1LL << 33})}) {
        EXPECT_FALSE(api::parse_detokenize(json{{"model", "m"}, {"tokens", bad}})) << bad.dump();
    }
}

TEST(core_gojson, dump_json_writes_go_floats_and_escapes) {
    namespace gofmt = lokal::gofmt;
    json j{{"b", 1}, {"a", -1.2e-7}, {"s", "<&>"}, {"z", 0.0}, {"arr", json::array({true, nullptr, 2.5, -3})}};
    EXPECT_EQ(gofmt::dump_json(j), R"({"b":1,"a":-1.2e-7,"s":"\u003c\u0026\u003e","z":0,"arr":[true,null,2.5,-3]})");
    EXPECT_EQ(gofmt::dump_json(json(std::string("a\xff"))), R"("a\ufffd")");
}

TEST(api_rerank, decodes_strings_and_text_objects) {
    auto r = api::parse_rerank(json::parse(
        R"({"model":"m","query":"q","documents":["a",{"text":"b"}],"top_n":5,"return_documents":true})"));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->documents, (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(r->top_n, 2);  // capped at the number of documents
    EXPECT_TRUE(r->return_documents);
    for (const char * bad : {R"({"model":"m","documents":["a"]})", R"({"model":"m","query":"q","documents":"a"})",
                             R"({"model":"m","query":"q","documents":[{"text":1}]})",
                             R"({"model":"m","query":"q","documents":["a"],"top_n":-1})",
                             R"({"query":"q","documents":["a"]})"}) {
        auto e = api::parse_rerank(json::parse(bad));
        ASSERT_FALSE(e) << bad;
        EXPECT_EQ(e.err().code, errc::invalid_request) << bad;
    }
}

TEST(api_rerank, response_best_first_stable_and_cut_at_top_n) {
    api::rerank_request r;
    r.model = "m";
    r.documents = {"a", "b", "c"};
    json out = api::rerank_response(r, {0.5f, 0.9f, 0.5f}, 12);
    EXPECT_EQ(out["usage"], json::parse(R"({"prompt_tokens":12,"total_tokens":12})"));
    ASSERT_EQ(out["results"].size(), 3u);
    EXPECT_EQ(out["results"][0]["index"], 1);
    EXPECT_EQ(out["results"][1]["index"], 0);  // ties keep the request's order
    EXPECT_EQ(out["results"][2]["index"], 2);
    EXPECT_FALSE(out["results"][0].contains("document"));
    r.top_n = 1;
    r.return_documents = true;
    out = api::rerank_response(r, {0.5f, 0.9f, 0.5f}, 12);
    ASSERT_EQ(out["results"].size(), 1u);
    EXPECT_EQ(out["results"][0]["document"], json::parse(R"({"text":"b"})"));
}
