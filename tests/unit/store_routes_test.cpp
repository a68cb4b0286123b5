// The model routes over real HTTP on 127.0.0.1 (port 0), against a temp
// store: tags, show, copy, delete, blobs and create, with Ollama's fields,
// status codes and error bodies. No model is loaded.
#include "audit/audit.h"
#include "handlers/routes.h"
#include "http/server.h"
#include "metrics/registry.h"
#include "sched/scheduler.h"
#include "store/digest.h"
#include "store/store.h"
#include "test_data.h"

#include <cpp-httplib/httplib.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

using namespace lokal;
namespace fs = std::filesystem;

namespace {

using test::k_models;

using test::slurp;

std::vector<json> ndjson(const std::string & body) {
    std::vector<json> out;
    std::istringstream in(body);
    for (std::string line; std::getline(in, line);) {
        if (!line.empty()) out.push_back(json::parse(line));
    }
    return out;
}

class RoutesTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string tmpl = fs::temp_directory_path().string() + "/lokal-routes-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
        root = tmpl;
        cfg.models_dir = root;
        models = std::make_unique<store::store>(root);
        ASSERT_TRUE(models->init());
        sched = std::make_unique<sched::scheduler>(
            sched::scheduler_config{}, [](const engine::load_params &) -> result<std::unique_ptr<engine::runner>> {
                return make_error(errc::unavailable, "no engine in this test");
            });
        ctx = std::make_unique<handlers::context>(handlers::context{cfg, *models, *sched, metrics, audit});
        http::server_options o;
        o.port = 0;
        o.max_upload_bytes = 1ull << 30;
        srv = std::make_unique<http::server>(o);
        handlers::register_model_routes(*srv, *ctx);
        ASSERT_TRUE(srv->bind());
        thread = std::thread([this] { (void)srv->serve(); });
        client = std::make_unique<httplib::Client>("127.0.0.1", srv->port());
        client->set_read_timeout(30, 0);
    }
    void TearDown() override {
        srv->stop();
        thread.join();
        fs::remove_all(root);
    }

    httplib::Result post(const std::string & path, const json & body) {
        return client->Post(path, body.dump(), "application/json");
    }
    std::string upload(const std::string & bytes) {
        std::string d = store::digest_of(bytes);
        auto r = client->Post("/api/blobs/" + d, bytes, "application/octet-stream");
        EXPECT_TRUE(r);
        EXPECT_EQ(r->status, 201);
        return d;
    }
    // Creates `name` from stories260K.gguf, plus extra request fields.
    void create_stories(const std::string & name, json extra = json::object()) {
        std::string digest = store::digest_of(stories);
        if (!models->has_blob(digest)) upload(stories);
        extra["model"] = name;
        extra["files"] = {{"stories260K.gguf", digest}};
        extra["stream"] = false;
        auto r = post("/api/create", extra);
        ASSERT_TRUE(r);
        ASSERT_EQ(r->status, 200) << r->body;
        EXPECT_EQ(json::parse(r->body), json({{"status", "success"}}));
    }

    std::string root;
    config::settings cfg;
    std::unique_ptr<store::store> models;
    std::unique_ptr<sched::scheduler> sched;
    metrics::registry metrics;
    audit::log audit{""};  // disabled: the audit log has its own tests
    std::unique_ptr<handlers::context> ctx;
    std::unique_ptr<http::server> srv;
    std::thread thread;
    std::unique_ptr<httplib::Client> client;
    const std::string stories = slurp(k_models + "stories260K.gguf");
};

}  // namespace

TEST_F(RoutesTest, BlobsHeadAndPost) {
    std::string data = "blob contents";
    std::string d = store::digest_of(data);
    auto head = client->Head("/api/blobs/" + d);
    ASSERT_TRUE(head);
    EXPECT_EQ(head->status, 404);
    EXPECT_EQ(upload(data), d);
    EXPECT_EQ(client->Head("/api/blobs/" + d)->status, 200);
    // Posting it again: already there.
    EXPECT_EQ(client->Post("/api/blobs/" + d, data, "application/octet-stream")->status, 200);

    auto bad = client->Post("/api/blobs/sha256:xyz", data, "application/octet-stream");
    EXPECT_EQ(bad->status, 400);
    EXPECT_EQ(json::parse(bad->body)["error"], "invalid digest format");
    EXPECT_EQ(client->Head("/api/blobs/sha256-abc")->status, 400);

    std::string other = store::digest_of("other");
    auto mismatch = client->Post("/api/blobs/" + other, data, "application/octet-stream");
    EXPECT_EQ(mismatch->status, 400);
    EXPECT_EQ(json::parse(mismatch->body)["error"],
              "digest mismatch, expected \"" + other + "\", got \"" + d + "\"");
    EXPECT_FALSE(models->has_blob(other));
}

TEST_F(RoutesTest, CreateStreamsOllamaStatuses) {
    std::string digest = upload(stories);
    auto r = post("/api/create", {{"model", "stories"}, {"files", {{"stories260K.gguf", digest}}}});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->get_header_value("Content-Type"), "application/x-ndjson");
    auto lines = ndjson(r->body);
    ASSERT_EQ(lines.size(), 4u) << r->body;
    EXPECT_EQ(lines[0], json({{"status", "parsing GGUF"}}));
    EXPECT_EQ(lines[1], json({{"status", "using existing layer " + digest}}));
    EXPECT_EQ(lines[2], json({{"status", "writing manifest"}}));
    EXPECT_EQ(lines[3], json({{"status", "success"}}));
}

TEST_F(RoutesTest, CreateErrorsBeforeStreamingAreJsonErrors) {
    std::string text = upload("not a model");
    auto expect = [&](const json & body, int status, const std::string & error) {
        auto r = post("/api/create", body);
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, status) << body.dump();
        EXPECT_EQ(json::parse(r->body), json({{"error", error}})) << body.dump();
    };
    expect({{"model", "x"}, {"files", {{"a.gguf", text}}}}, 400, "supplied file was not in GGUF format");
    expect({{"model", "x"}, {"files", {{"a.gguf", text}}}, {"quantize", "q4_K_M"}}, 400,
           "supplied file was not in GGUF format");
    expect({{"model", "x"}, {"files", {{"a.gguf", text}}}, {"quantize", "q9"}}, 400,
           "unsupported quantization type Q9 - supported types are Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K_S, "
           "Q3_K_M, Q3_K_L, Q4_K_S, Q4_K_M, Q5_K_S, Q5_K_M, Q6_K, F16, BF16, F32");
    expect({{"model", "../x"}, {"files", {{"a.gguf", text}}}}, 400, "invalid model name");
    expect({{"model", "x"}}, 400, "neither 'from' or 'files' was specified");
    // A base model missing from the store is pulled first (as Ollama does): a
    // registry nobody answers for is a 503 before anything streams.
    auto unreachable = post("/api/create", {{"model", "x"}, {"from", "127.0.0.1:9/library/missing"}});
    ASSERT_TRUE(unreachable);
    EXPECT_EQ(unreachable->status, 503);
    EXPECT_EQ(json::parse(unreachable->body)["error"].get<std::string>().rfind("pull model manifest: ", 0), 0u)
        << unreachable->body;
    expect({{"model", "x"}, {"from", "m"}, {"parameters", {{"temperature", "hot"}}}}, 400,
           "option \"temperature\" must be of type float32");
    expect({{"model", "x"}, {"from", "m"}, {"parameters", {{"num_ctx", 1000000000}}}}, 400,
           "option \"num_ctx\" must be between 1 and 1048576, got 1000000000");
    expect({{"model", "x"}, {"from", "m"}, {"license", 5}}, 400,
           "invalid value for \"license\": must be a string or a list of strings");
    auto empty = client->Post("/api/create", "", "application/json");
    EXPECT_EQ(empty->status, 400);
    EXPECT_EQ(json::parse(empty->body)["error"], "missing request body");
    EXPECT_TRUE(models->list().empty());
}

TEST_F(RoutesTest, TagsListsModelsLikeOllama) {
    auto empty = client->Get("/api/tags");
    ASSERT_TRUE(empty);
    EXPECT_EQ(json::parse(empty->body), json::parse(R"({"models":[]})"));

    create_stories("stories");
    auto r = client->Get("/api/tags");
    ASSERT_EQ(r->status, 200);
    json body = json::parse(r->body);
    ASSERT_EQ(body["models"].size(), 1u);
    json m = body["models"][0];
    EXPECT_EQ(m["name"], "stories:latest");
    EXPECT_EQ(m["model"], "stories:latest");
    auto entry = models->read_manifest(*store::parse_model_name("stories"));
    EXPECT_EQ(m["digest"], entry->digest.substr(7));
    EXPECT_EQ(m["size"], entry->size);
    std::string modified = m["modified_at"];
    EXPECT_EQ(modified.size() >= 20 && modified[4] == '-' && modified[10] == 'T', true) << modified;
    EXPECT_EQ(m["details"], json::parse(R"({"parent_model":"","format":"gguf","family":"llama","families":["llama"],
                                            "parameter_size":"293K","quantization_level":"F32"})"));
    std::vector<std::string> keys;
    for (auto it = m.begin(); it != m.end(); ++it) keys.push_back(it.key());
    EXPECT_EQ(keys, (std::vector<std::string>{"name", "model", "modified_at", "size", "digest", "details"}));
}

TEST_F(RoutesTest, ShowLikeOllama) {
    create_stories("stories", {{"system", "Be brief."},
                               {"template", "{{ .System }} {{ .Prompt }}"},
                               {"parameters", {{"temperature", 0.7}, {"stop", {"</s>"}}}},
                               {"license", "MIT"},
                               {"messages", {{{"role", "user"}, {"content", "hi"}}}}});
    auto r = post("/api/show", {{"model", "Stories"}});
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    json b = json::parse(r->body);
    EXPECT_EQ(b["license"], "MIT");
    EXPECT_EQ(b["system"], "Be brief.");
    EXPECT_EQ(b["template"], "{{ .System }} {{ .Prompt }}");
    EXPECT_EQ(b["parameters"], "stop                           \"</s>\"\ntemperature                    0.7");
    std::string mf = b["modelfile"];
    EXPECT_EQ(mf.rfind("# Modelfile generated by \"ollama show\"\n", 0), 0u);
    EXPECT_NE(mf.find("# FROM stories:latest\n\nFROM " + root + "/blobs/sha256-"), std::string::npos) << mf;
    EXPECT_NE(mf.find("\nTEMPLATE {{ .System }} {{ .Prompt }}\nSYSTEM Be brief.\nPARAMETER stop </s>\n"
                      "PARAMETER temperature 0.7\nLICENSE MIT\nMESSAGE user hi\n"),
              std::string::npos)
        << mf;
    EXPECT_EQ(b["details"]["parent_model"], "stories260K.gguf");
    EXPECT_EQ(b["details"]["family"], "llama");
    EXPECT_EQ(b["model_info"]["general.architecture"], "llama");
    EXPECT_EQ(b["model_info"]["general.parameter_count"], 292800);
    EXPECT_TRUE(b["model_info"]["tokenizer.ggml.tokens"].is_null());
    EXPECT_EQ(b["capabilities"], json::array({"completion"}));
    EXPECT_EQ(b["messages"], json::parse(R"([{"role":"user","content":"hi"}])"));
    EXPECT_TRUE(b["modified_at"].is_string());
    EXPECT_FALSE(b.contains("projector_info"));

    // verbose fills the arrays; legacy "name" works
    auto v = post("/api/show", {{"name", "stories:latest"}, {"verbose", true}});
    ASSERT_EQ(v->status, 200);
    EXPECT_EQ(json::parse(v->body)["model_info"]["tokenizer.ggml.tokens"].size(), 512u);

    auto missing = post("/api/show", {{"model", "nope"}});
    EXPECT_EQ(missing->status, 404);
    EXPECT_EQ(json::parse(missing->body), json({{"error", "model 'nope' not found"}}));
    auto none = post("/api/show", json::object());
    EXPECT_EQ(none->status, 400);
    EXPECT_EQ(json::parse(none->body), json({{"error", "model is required"}}));
    auto bad = post("/api/show", {{"model", "a/../../b"}});
    EXPECT_EQ(bad->status, 400);
    EXPECT_EQ(json::parse(bad->body), json({{"error", "invalid model name"}}));
}

TEST_F(RoutesTest, ShowWithProjector) {
    std::string model = upload(slurp(k_models + "llama-2-tiny-random.gguf"));
    std::string proj = upload(slurp(k_models + "mmproj-tinygemma3.gguf"));
    auto r = post("/api/create", {{"model", "vis"}, {"stream", false},
                                  {"files", {{"model.gguf", model}, {"mmproj.gguf", proj}}}});
    ASSERT_EQ(r->status, 200) << r->body;
    auto s = post("/api/show", {{"model", "vis"}});
    ASSERT_EQ(s->status, 200) << s->body;
    json b = json::parse(s->body);
    EXPECT_EQ(b["projector_info"]["general.architecture"], "clip");
    EXPECT_EQ(b["capabilities"], json::array({"completion", "vision"}));
    EXPECT_EQ(b["details"]["quantization_level"], "F16");
}

TEST_F(RoutesTest, CopyAndDelete) {
    create_stories("stories");
    auto c = post("/api/copy", {{"source", "stories"}, {"destination", "ns/copy:v2"}});
    ASSERT_TRUE(c);
    EXPECT_EQ(c->status, 200);
    EXPECT_EQ(c->body, "");
    EXPECT_TRUE(models->read_manifest(*store::parse_model_name("ns/copy:v2")));

    auto missing = post("/api/copy", {{"source", "nope"}, {"destination", "x"}});
    EXPECT_EQ(missing->status, 404);
    EXPECT_EQ(json::parse(missing->body), json({{"error", "model \"nope\" not found"}}));
    auto bad = post("/api/copy", {{"source", "stories"}, {"destination", "../x"}});
    EXPECT_EQ(bad->status, 400);
    EXPECT_EQ(json::parse(bad->body), json({{"error", "destination \"../x\" is invalid"}}));

    auto del = client->Delete("/api/delete", json({{"model", "stories"}}).dump(), "application/json");
    ASSERT_TRUE(del);
    EXPECT_EQ(del->status, 200);
    EXPECT_EQ(del->body, "");
    auto again = client->Delete("/api/delete", json({{"name", "stories"}}).dump(), "application/json");
    EXPECT_EQ(again->status, 404);
    EXPECT_EQ(json::parse(again->body), json({{"error", "model 'stories' not found"}}));
    // The copy still has its blobs.
    auto s = post("/api/show", {{"model", "ns/copy:v2"}});
    EXPECT_EQ(s->status, 200) << s->body;
}
