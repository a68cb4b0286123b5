// Creating models in the store: plan (checks, writes nothing) then execute.
#include "store/capabilities.h"
#include "store/create.h"
#include "store/digest.h"
#include "store/gguf.h"
#include "store/store.h"

#include "temp_dir.h"
#include "test_data.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

using namespace lokal;
using namespace lokal::store;
namespace fs = std::filesystem;

namespace {

using test::k_models;

using test::slurp;

class CreateTest : public ::testing::Test {
protected:
    void SetUp() override {
        root = tmp.path();
        s = std::make_unique<store::store>(root);
        ASSERT_TRUE(s->init());
    }
    std::string upload(const std::string & bytes) {
        auto d = s->put_blob_bytes(bytes);
        EXPECT_TRUE(d);
        return d ? *d : std::string();
    }
    std::string upload_file(const std::string & name) { return upload(slurp(k_models + name)); }

    create_request request(const std::string & name) {
        create_request r;
        r.name = *parse_model_name(name);
        return r;
    }

    // Plans and executes; returns the statuses, or the error message.
    std::vector<std::string> run(const create_request & r) {
        std::vector<std::string> statuses;
        auto plan = plan_create(*s, r);
        if (!plan) return {"error: " + plan.err().message};
        auto st = execute_create(*s, *plan, [&](const std::string & line) {
            statuses.push_back(line);
            return true;
        });
        if (!st) statuses.push_back("error: " + st.err().message);
        return statuses;
    }

    std::string plan_error(const create_request & r) {
        auto plan = plan_create(*s, r);
        return plan ? std::string("ok") : plan.err().message;
    }

    lokal::test::temp_dir tmp{"lokal-create"};
    std::string root;
    std::unique_ptr<store::store> s;
};

}  // namespace

TEST_F(CreateTest, FromAGgufFile) {
    std::string digest = upload_file("stories260K.gguf");
    auto r = request("stories");
    r.files = {{"stories260K.gguf", digest}};
    auto statuses = run(r);
    EXPECT_EQ(statuses, (std::vector<std::string>{"parsing GGUF", "using existing layer " + digest, "writing manifest",
                                                  "success"}));
    auto rec = s->resolve(*parse_model_name("stories"));
    ASSERT_TRUE(rec) << rec.err().message;
    EXPECT_EQ(rec->model_path, root + "/blobs/sha256-" + digest.substr(7));
    EXPECT_EQ(rec->parent_model, "stories260K.gguf");
    EXPECT_EQ(rec->config["model_format"], "gguf");
    EXPECT_EQ(rec->config["model_family"], "llama");
    EXPECT_EQ(rec->config["model_families"], json::array({"llama"}));
    EXPECT_EQ(rec->config["model_type"], "293K");
    EXPECT_EQ(rec->config["file_type"], "F32");
    EXPECT_EQ(rec->config["rootfs"]["diff_ids"], json::array({digest}));
    EXPECT_FALSE(rec->template_text);
    EXPECT_EQ(rec->size, static_cast<int64_t>(fs::file_size(k_models + "stories260K.gguf")) +
                             static_cast<int64_t>(fs::file_size(*s->blob_path(s->read_manifest(rec->name)->m.config.digest))));
    auto g = gguf::read_file(rec->model_path);
    ASSERT_TRUE(g);
    EXPECT_EQ(model_capabilities(*rec, &*g), (std::vector<std::string>{"completion"}));
}

TEST_F(CreateTest, ProjectorAndTextLayers) {
    std::string model = upload_file("llama-2-tiny-random.gguf");
    std::string proj = upload_file("mmproj-tinygemma3.gguf");
    auto r = request("vision:v1");
    r.files = {{"model.gguf", model}, {"mmproj.gguf", proj}};
    r.template_text = "{{ .Prompt }}";
    r.system = "You are terse.";
    r.parameters = json::parse(R"({"temperature":0.5,"stop":["</s>"]})");
    r.messages = json::parse(R"([{"role":"user","content":"hi"},{"role":"assistant","content":"hello"}])");
    r.license = {"MIT", "Apache"};
    auto statuses = run(r);
    ASSERT_EQ(statuses.back(), "success") << statuses.back();
    EXPECT_EQ(statuses[0], "parsing GGUF");
    EXPECT_EQ(statuses[1], "parsing GGUF");
    // files in name order, as Ollama: mmproj.gguf before model.gguf
    EXPECT_EQ(statuses[2], "using existing layer " + proj);
    EXPECT_EQ(statuses[3], "using existing layer " + model);
    EXPECT_EQ(statuses[4], "creating new layer " + digest_of("{{ .Prompt }}"));

    auto rec = s->resolve(*parse_model_name("Vision:V1"));
    ASSERT_TRUE(rec) << rec.err().message;
    EXPECT_EQ(rec->projector_path, *s->blob_path(proj));
    EXPECT_EQ(rec->model_path, *s->blob_path(model));
    EXPECT_EQ(*rec->system, "You are terse.");
    EXPECT_EQ(rec->params, json::parse(R"({"stop":["</s>"],"temperature":0.5})"));
    EXPECT_EQ(rec->messages.size(), 2u);
    EXPECT_EQ(rec->license, (std::vector<std::string>{"MIT", "Apache"}));
    EXPECT_EQ(rec->config["file_type"], "F16");
    // The params layer is Go's encoding of a map: sorted keys and a newline.
    auto e = s->read_manifest(rec->name);
    const layer * params = e->m.find(media_type::params);
    ASSERT_NE(params, nullptr);
    EXPECT_EQ(*s->read_blob(params->digest, 1000), "{\"stop\":[\"\\u003c/s\\u003e\"],\"temperature\":0.5}\n");
    auto g = gguf::read_file(rec->model_path);
    EXPECT_EQ(model_capabilities(*rec, &*g), (std::vector<std::string>{"completion", "vision"}));

    // A second identical create reuses every layer.
    statuses = run(r);
    EXPECT_EQ(statuses[4], "using existing layer " + digest_of("{{ .Prompt }}"));
}

TEST_F(CreateTest, FromAnExistingModel) {
    std::string digest = upload_file("stories260K.gguf");
    auto base = request("base");
    base.files = {{"stories260K.gguf", digest}};
    base.system = "old system";
    base.parameters = json::parse(R"({"temperature":0.1,"num_ctx":256})");
    ASSERT_EQ(run(base).back(), "success");

    auto child = request("child");
    child.from = *parse_model_name("BASE");
    child.system = "new system";
    child.parameters = json::parse(R"({"temperature":0.9})");
    auto statuses = run(child);
    ASSERT_EQ(statuses.back(), "success") << statuses.back();
    EXPECT_EQ(statuses[0], "using existing layer " + digest);
    auto rec = s->resolve(*parse_model_name("child"));
    ASSERT_TRUE(rec);
    EXPECT_EQ(*rec->system, "new system");
    EXPECT_EQ(rec->params, json::parse(R"({"num_ctx":256,"temperature":0.9})"));  // merged, new wins
    EXPECT_EQ(rec->parent_model, "base:latest");
    EXPECT_EQ(rec->config["model_family"], "llama");
    // The base is untouched.
    EXPECT_EQ(*s->resolve(*parse_model_name("base"))->system, "old system");
}

TEST_F(CreateTest, ReplacingAModelPrunesWhatItNoLongerUses) {
    std::string digest = upload_file("stories260K.gguf");
    auto r = request("m");
    r.files = {{"stories260K.gguf", digest}};
    r.system = "first";
    ASSERT_EQ(run(r).back(), "success");
    r.system = "second";
    ASSERT_EQ(run(r).back(), "success");
    EXPECT_FALSE(s->has_blob(digest_of("first")));
    EXPECT_TRUE(s->has_blob(digest_of("second")));
    EXPECT_TRUE(s->has_blob(digest));
}

TEST_F(CreateTest, InputErrorsAreFoundBeforeWriting) {
    std::string good = upload_file("stories260K.gguf");
    std::string text = upload("just some text, not a model");
    std::string full = slurp(k_models + "stories260K.gguf");
    std::string truncated = upload(full.substr(0, full.size() / 2));
    std::string proj = upload_file("mmproj-tinygemma3.gguf");
    std::string missing = digest_of("never uploaded");
    auto with_files = [&](std::vector<std::pair<std::string, std::string>> files) {
        auto r = request("x");
        r.files = std::move(files);
        return plan_error(r);
    };
    EXPECT_EQ(with_files({{"a.gguf", text}}), "supplied file was not in GGUF format");
    EXPECT_NE(with_files({{"a.gguf", truncated}}).find("truncated GGUF file"), std::string::npos);
    EXPECT_NE(with_files({{"a.gguf", missing}}).find("has not been uploaded"), std::string::npos);
    EXPECT_EQ(with_files({{"a.gguf", "sha256:nope"}}), "invalid digest format");
    EXPECT_EQ(with_files({{"a.gguf", ""}}), "invalid digest format");
    EXPECT_EQ(with_files({{"../a.gguf", good}}), "file path must be relative");
    EXPECT_EQ(with_files({{"/abs.gguf", good}}), "file path must be relative");
    EXPECT_EQ(with_files({{"model.safetensors", good}}), "importing safetensors models is not supported yet");
    EXPECT_NE(with_files({{"p.gguf", proj}}).find("no model file"), std::string::npos);
    EXPECT_EQ(plan_error(request("x")), "neither 'from' or 'files' was specified");
    auto from_missing = request("x");
    from_missing.from = *parse_model_name("nothere");
    EXPECT_EQ(plan_error(from_missing), "model 'nothere:latest' not found");
    auto two_adapters = request("x");
    two_adapters.files = {{"m.gguf", good}};
    two_adapters.adapters = {{"a.gguf", good}, {"b.gguf", good}};
    EXPECT_EQ(plan_error(two_adapters), "only one adapter is currently supported");
    // Nothing was created.
    EXPECT_TRUE(s->list().empty());
}

TEST_F(CreateTest, ClientLeavingStopsBeforeTheManifest) {
    std::string digest = upload_file("stories260K.gguf");
    auto r = request("gone");
    r.files = {{"stories260K.gguf", digest}};
    auto plan = plan_create(*s, r);
    ASSERT_TRUE(plan);
    auto st = execute_create(*s, *plan, [](const std::string & line) { return line != "writing manifest"; });
    ASSERT_FALSE(st);
    EXPECT_EQ(st.err().code, errc::canceled);
    EXPECT_FALSE(s->read_manifest(*parse_model_name("gone")));
}
