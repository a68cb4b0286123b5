// The store: blobs, manifests, layout, list, copy, remove.
#include "store/digest.h"
#include "store/files.h"
#include "store/gojson.h"
#include "store/manifest.h"
#include "store/store.h"

#include "temp_dir.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

using namespace lokal;
using namespace lokal::store;
namespace fs = std::filesystem;

namespace {

class StoreTest : public ::testing::Test {
protected:
    void SetUp() override {
        root = tmp.path();
        s = std::make_unique<store::store>(root);
        ASSERT_TRUE(s->init());
    }
    // A reader that hands over data in chunks of chunk bytes.
    static blob_reader reader_of(const std::string & data, size_t chunk = 7) {
        return [data, chunk](const blob_sink & sink) {
            for (size_t i = 0; i < data.size(); i += chunk) {
                if (!sink(data.data() + i, std::min(chunk, data.size() - i))) return false;
            }
            return true;
        };
    }

    size_t count_files(const std::string & dir) {
        size_t n = 0;
        for (const auto & e : fs::recursive_directory_iterator(dir)) n += e.is_regular_file() ? 1 : 0;
        return n;
    }

    // Stores a model made of the given layer texts; returns its manifest.
    manifest make_model(const std::string & name, const std::vector<std::pair<std::string_view, std::string>> & layers) {
        manifest m;
        auto cfg = s->put_blob_bytes("{\"model_format\":\"gguf\"}\n");
        EXPECT_TRUE(cfg);
        m.config = layer{std::string(media_type::config), *cfg, 24, {}, {}};
        for (const auto & [mt, text] : layers) {
            auto d = s->put_blob_bytes(text);
            EXPECT_TRUE(d);
            m.layers.push_back(layer{std::string(mt), *d, static_cast<int64_t>(text.size()), {}, {}});
        }
        EXPECT_TRUE(s->write_manifest(*parse_model_name(name), m));
        return m;
    }

    lokal::test::temp_dir tmp{"lokal-store"};
    std::string root;
    std::unique_ptr<store::store> s;
};

}  // namespace

TEST_F(StoreTest, PutBlobVerifiesAndUsesOllamaLayout) {
    std::string data = "hello, blob";
    std::string d = digest_of(data);
    auto got = s->put_blob_from_reader(d, reader_of(data));
    ASSERT_TRUE(got) << got.err().message;
    EXPECT_EQ(*got, d);
    std::string path = root + "/blobs/sha256-" + d.substr(7);
    EXPECT_EQ(*s->blob_path(d), path);
    ASSERT_TRUE(fs::exists(path));
    EXPECT_TRUE(s->has_blob(d));
    EXPECT_TRUE(s->has_blob("sha256-" + d.substr(7)));
    EXPECT_EQ(*s->read_blob(d, 100), data);
    EXPECT_EQ(count_files(root + "/blobs"), 1u);
}

TEST_F(StoreTest, DigestMismatchLeavesNothingBehind) {
    std::string wrong = digest_of("something else");
    auto got = s->put_blob_from_reader(wrong, reader_of("hello"));
    ASSERT_FALSE(got);
    EXPECT_EQ(got.err().code, errc::invalid_request);
    EXPECT_EQ(got.err().message.rfind("digest mismatch, expected \"" + wrong + "\", got \"" + digest_of("hello"), 0), 0u)
        << got.err().message;
    EXPECT_FALSE(s->has_blob(wrong));
    EXPECT_EQ(count_files(root), 0u);
}

TEST_F(StoreTest, InterruptedOrOversizedUploadLeavesNothing) {
    std::string data(1000, 'x');
    auto got = s->put_blob_from_reader(digest_of(data), [&](const blob_sink & sink) {
        sink(data.data(), 10);
        return false;  // the client went away
    });
    ASSERT_FALSE(got);
    EXPECT_EQ(got.err().code, errc::canceled);
    got = s->put_blob_from_reader(digest_of(data), reader_of(data, 100), 500);
    ASSERT_FALSE(got);
    EXPECT_EQ(got.err().code, errc::too_large);
    EXPECT_EQ(count_files(root), 0u);
}

TEST_F(StoreTest, BadDigestsNeverBecomePaths) {
    for (const std::string & bad : std::vector<std::string>{"sha256:../../etc/passwd", "../blobs/x", "sha256:ABC", ""}) {
        EXPECT_FALSE(s->blob_path(bad)) << bad;
        EXPECT_FALSE(s->has_blob(bad));
        auto r = s->put_blob_from_reader(bad, reader_of("x"));
        ASSERT_FALSE(r);
        EXPECT_EQ(r.err().code, errc::invalid_request);
    }
}

TEST_F(StoreTest, InitRemovesStaleTempFiles) {
    std::ofstream(root + "/blobs/" + std::string(files::temp_prefix) + "123") << "partial";
    fs::create_directories(root + "/manifests/h/n/m");
    std::ofstream(root + "/manifests/h/n/m/" + std::string(files::temp_prefix) + "9") << "{}";
    std::ofstream(root + "/blobs/sha256-keepme") << "not ours";
    ASSERT_TRUE(s->init());
    EXPECT_EQ(count_files(root), 1u);
    EXPECT_TRUE(fs::exists(root + "/blobs/sha256-keepme"));
}

TEST_F(StoreTest, ManifestRoundTripAndLayout) {
    manifest m = make_model("stories", {{media_type::model, "GGUF..."}, {media_type::system, "be brief"}});
    std::string path = root + "/manifests/registry.ollama.ai/library/stories/latest";
    ASSERT_TRUE(fs::exists(path));
    std::ifstream in(path);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(bytes, serialize_manifest(m));
    EXPECT_EQ(bytes.back(), '\n');

    auto e = s->read_manifest(*parse_model_name("stories"));
    ASSERT_TRUE(e) << e.err().message;
    EXPECT_EQ(e->digest, digest_of(bytes));
    EXPECT_EQ(e->short_name, "stories:latest");
    EXPECT_EQ(e->size, m.total_size());
    ASSERT_EQ(e->m.layers.size(), 2u);
    EXPECT_EQ(e->m.layers[1].media_type, media_type::system);
    EXPECT_EQ(e->m.layers[1].digest, m.layers[1].digest);
}

TEST_F(StoreTest, LookupIsCaseInsensitive) {
    make_model("stories", {{media_type::model, "GGUF"}});
    auto e = s->read_manifest(*parse_model_name("Stories:LATEST"));
    ASSERT_TRUE(e);
    EXPECT_EQ(e->name.model, "stories");
    EXPECT_EQ(e->short_name, "stories:latest");
    // Writing with other casing reuses the directory on disk.
    make_model("STORIES:v2", {{media_type::model, "GGUF"}});
    EXPECT_TRUE(fs::exists(root + "/manifests/registry.ollama.ai/library/stories/v2"));
    EXPECT_FALSE(fs::exists(root + "/manifests/registry.ollama.ai/library/STORIES"));
}

TEST_F(StoreTest, ReadsAManifestOllamaWrote) {
    // Bytes as Ollama writes them, including the optional "from" field.
    std::string model = "GGUF-bytes";
    std::string cfg = "{\"model_format\":\"gguf\",\"model_family\":\"llama\",\"model_families\":[\"llama\"],"
                      "\"model_type\":\"260K\",\"file_type\":\"F32\",\"architecture\":\"amd64\",\"os\":\"linux\"}\n";
    std::string md = *s->put_blob_bytes(model), cd = *s->put_blob_bytes(cfg);
    std::string text = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\","
                       "\"config\":{\"mediaType\":\"application/vnd.docker.container.image.v1+json\",\"digest\":\"" + cd +
                       "\",\"size\":" + std::to_string(cfg.size()) + "},\"layers\":[{\"mediaType\":"
                       "\"application/vnd.ollama.image.model\",\"digest\":\"" + md + "\",\"size\":10,\"from\":\"x.gguf\"}]}\n";
    fs::create_directories(root + "/manifests/registry.ollama.ai/library/tiny");
    std::ofstream(root + "/manifests/registry.ollama.ai/library/tiny/latest") << text;
    auto rec = s->resolve(*parse_model_name("tiny"));
    ASSERT_TRUE(rec) << rec.err().message;
    EXPECT_EQ(rec->model_path, root + "/blobs/sha256-" + md.substr(7));
    EXPECT_EQ(rec->manifest_digest, digest_of(text));
    EXPECT_EQ(rec->config["model_family"], "llama");
    EXPECT_EQ(rec->parent_model, "x.gguf");
    EXPECT_EQ(rec->size, static_cast<int64_t>(10 + cfg.size()));
}

TEST_F(StoreTest, ResolveReadsEveryLayerKind) {
    make_model("full", {{media_type::model, "GGUF"},
                        {media_type::projector, "PROJ"},
                        {media_type::adapter, "LORA"},
                        {media_type::template_, "{{ .Prompt }}"},
                        {media_type::system, "sys"},
                        {media_type::license, "MIT"},
                        {media_type::license, "Apache"},
                        {media_type::params, "{\"stop\":[\"a\"],\"temperature\":0.7}\n"},
                        {media_type::messages, "[{\"role\":\"user\",\"content\":\"hi\",\"images\":null}]\n"}});
    auto rec = s->resolve(*parse_model_name("full"));
    ASSERT_TRUE(rec) << rec.err().message;
    EXPECT_EQ(rec->projector_path, *s->blob_path(digest_of("PROJ")));
    ASSERT_EQ(rec->adapter_paths.size(), 1u);
    EXPECT_EQ(*rec->template_text, "{{ .Prompt }}");
    EXPECT_EQ(*rec->system, "sys");
    EXPECT_EQ(rec->license, (std::vector<std::string>{"MIT", "Apache"}));
    EXPECT_EQ(rec->params["temperature"], 0.7);
    EXPECT_EQ(rec->params["stop"][0], "a");
    EXPECT_EQ(rec->messages, json::parse("[{\"role\":\"user\",\"content\":\"hi\"}]"));
    EXPECT_TRUE(rec->model_path.front() == '/');
}

TEST_F(StoreTest, WriteManifestRefusesMissingBlobs) {
    manifest m;
    m.layers.push_back(layer{std::string(media_type::model), digest_of("never stored"), 12, {}, {}});
    auto st = s->write_manifest(*parse_model_name("broken"), m);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.err().code, errc::not_found);
    EXPECT_FALSE(fs::exists(root + "/manifests/registry.ollama.ai"));
}

TEST_F(StoreTest, ListCopyRemove) {
    make_model("a", {{media_type::model, "shared"}, {media_type::system, "only-a"}});
    make_model("ns/b:v1", {{media_type::model, "shared"}, {media_type::system, "only-b"}});
    auto all = s->list();
    ASSERT_EQ(all.size(), 2u);
    std::set<std::string> names;
    for (const auto & e : all) names.insert(e.short_name);
    EXPECT_EQ(names, (std::set<std::string>{"a:latest", "ns/b:v1"}));

    ASSERT_TRUE(s->copy(*parse_model_name("a"), *parse_model_name("c")));
    auto a = s->read_manifest(*parse_model_name("a"));
    auto c = s->read_manifest(*parse_model_name("c"));
    ASSERT_TRUE(a && c);
    EXPECT_EQ(a->digest, c->digest);
    EXPECT_EQ(s->list().size(), 3u);
    auto missing = s->copy(*parse_model_name("nope"), *parse_model_name("d"));
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.err().code, errc::not_found);

    // Removing a keeps everything c still uses.
    ASSERT_TRUE(s->remove(*parse_model_name("A")));
    EXPECT_TRUE(s->has_blob(digest_of("only-a")));
    EXPECT_FALSE(s->read_manifest(*parse_model_name("a")));
    // Removing c drops only-a; shared stays for b.
    ASSERT_TRUE(s->remove(*parse_model_name("c")));
    EXPECT_FALSE(s->has_blob(digest_of("only-a")));
    EXPECT_TRUE(s->has_blob(digest_of("shared")));
    EXPECT_TRUE(s->has_blob(digest_of("only-b")));
    // Removing b leaves no blobs and no manifest directories.
    ASSERT_TRUE(s->remove(*parse_model_name("ns/b:v1")));
    EXPECT_EQ(count_files(root), 0u);
    EXPECT_TRUE(fs::is_empty(root + "/manifests"));
    auto again = s->remove(*parse_model_name("ns/b:v1"));
    ASSERT_FALSE(again);
    EXPECT_EQ(again.err().code, errc::not_found);
}

TEST_F(StoreTest, ListSkipsJunk) {
    make_model("good", {{media_type::model, "g"}});
    fs::create_directories(root + "/manifests/registry.ollama.ai/library/bad");
    std::ofstream(root + "/manifests/registry.ollama.ai/library/bad/latest") << "not json";
    fs::create_directories(root + "/manifests/registry.ollama.ai/lib.rary/x");
    std::ofstream(root + "/manifests/registry.ollama.ai/lib.rary/x/latest") << "{}";
    auto all = s->list();
    ASSERT_EQ(all.size(), 1u);
    EXPECT_EQ(all[0].short_name, "good:latest");
}

TEST(StoreManifest, ParseLimitsAndValidation) {
    std::string d = digest_of("x");
    auto ok = parse_manifest("{\"schemaVersion\":2,\"layers\":[{\"mediaType\":\"m\",\"digest\":\"" + d + "\",\"size\":1}]}");
    ASSERT_TRUE(ok) << ok.err().message;
    EXPECT_EQ(ok->layers[0].digest, d);
    for (const std::string & bad : std::vector<std::string>{"[]", std::string("{\"schemaVersion\":1}"), std::string("nope"),
                            "{\"schemaVersion\":2,\"layers\":[{\"mediaType\":\"m\",\"digest\":\"sha256:../x\",\"size\":1}]}",
                            "{\"schemaVersion\":2,\"layers\":[{\"mediaType\":\"m\",\"digest\":\"" + d + "\",\"size\":-1}]}",
                            "{\"schemaVersion\":2,\"layers\":{}}"}) {
        EXPECT_FALSE(parse_manifest(bad)) << bad;
    }
    manifest_limits small;
    small.max_layers = 1;
    std::string two = "{\"schemaVersion\":2,\"layers\":[{\"mediaType\":\"m\",\"digest\":\"" + d +
                      "\",\"size\":1},{\"mediaType\":\"m\",\"digest\":\"" + d + "\",\"size\":1}]}";
    EXPECT_FALSE(parse_manifest(two, small));
    small.max_bytes = 10;
    EXPECT_FALSE(parse_manifest(two, small));
}

TEST(StoreManifest, SerializeLikeGo) {
    manifest m;
    m.config = layer{std::string(media_type::config), digest_of("c"), 3, {}, {}};
    m.layers.push_back(layer{std::string(media_type::model), digest_of("m"), 5, "a<b>.gguf", {}});
    std::string out = serialize_manifest(m);
    EXPECT_EQ(out, "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\","
                   "\"config\":{\"mediaType\":\"application/vnd.docker.container.image.v1+json\",\"digest\":\"" +
                       digest_of("c") + "\",\"size\":3},\"layers\":[{\"mediaType\":\"application/vnd.ollama.image.model\","
                       "\"digest\":\"" + digest_of("m") + "\",\"size\":5,\"from\":\"a\\u003cb\\u003e.gguf\"}]}\n");
    auto back = parse_manifest(out);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->layers[0].from, "a<b>.gguf");
}

TEST(StoreManifest, ConfigBlob) {
    model_config c;
    c.model_family = "llama";
    c.model_families = {"llama"};
    c.model_type = "260K";
    c.file_type = "F32";
    c.diff_ids = {digest_of("m")};
    std::string text = serialize_config(c);
    EXPECT_EQ(text.rfind("{\"model_format\":\"gguf\",\"model_family\":\"llama\",\"model_families\":[\"llama\"],"
                         "\"model_type\":\"260K\",\"file_type\":\"F32\",\"architecture\":\"amd64\",\"os\":\"linux\","
                         "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[", 0), 0u) << text;
    model_config back = model_config::from_json(json::parse(text));
    EXPECT_EQ(back.model_type, "260K");
    EXPECT_EQ(back.diff_ids, c.diff_ids);
    EXPECT_EQ(model_config::from_json(json::parse("{\"model_family\":7}")).model_family, "");
}

TEST(StoreManifest, HumanNumber) {
    EXPECT_EQ(human_number(0), "0");
    EXPECT_EQ(human_number(999), "999");
    EXPECT_EQ(human_number(292800), "293K");
    EXPECT_EQ(human_number(268000000), "268M");
    EXPECT_EQ(human_number(1500000), "1.50M");
    EXPECT_EQ(human_number(8030261248ull), "8.0B");
    EXPECT_EQ(human_number(7000000000ull), "7B");
}

TEST(StoreGoJson, Encoding) {
    EXPECT_EQ(go_json(json::parse(R"({"b":1,"a":[0.7,1e-7,true,null,"x<y&\u2028"]})"), true),
              "{\"a\":[0.7,1e-7,true,null,\"x\\u003cy\\u0026\\u2028\"],\"b\":1}");
    EXPECT_EQ(go_json(json::parse(R"({"b":1,"a":2})"), false), "{\"b\":1,\"a\":2}");
    EXPECT_EQ(go_json(json(1e21), false), "1e+21");
    EXPECT_EQ(go_json(json(100000.0), false), "100000");
    EXPECT_EQ(go_json_string(std::string("\xff\n", 2)), "\"\\ufffd\\n\"");
    EXPECT_EQ(go_format_float(0.7), "0.7");
    EXPECT_EQ(go_format_float(4096), "4096");
    EXPECT_EQ(go_format_float(1e-5), "1e-05");
    EXPECT_EQ(go_format_float(1e6), "1e+06");
    EXPECT_EQ(go_format_float(123456), "123456");
    EXPECT_EQ(go_format_float(-0.25), "-0.25");
    EXPECT_EQ(go_quote("a\"b\\c\n\t\x01é"), "\"a\\\"b\\\\c\\n\\t\\x01é\"");
    EXPECT_EQ(valid_utf8("ok\xc3"), "ok\xef\xbf\xbd");
}

TEST_F(StoreTest, PruneUnreferencedKeepsWhatModelsUseAndPartials) {
    make_model("a", {{media_type::model, "used"}});
    auto orphan = s->put_blob_bytes("left by an interrupted create");
    ASSERT_TRUE(orphan);
    const std::string partial = root + "/blobs/sha256-" + std::string(64, 'a') + ".partial";
    std::ofstream(partial) << "half a download";
    std::ofstream(root + "/blobs/notes.txt") << "not a blob";

    auto p = s->prune_unreferenced();
    ASSERT_TRUE(p);
    EXPECT_EQ(p->blobs, 1);
    EXPECT_EQ(p->bytes, 29u);
    EXPECT_FALSE(s->has_blob(*orphan));
    EXPECT_TRUE(s->has_blob(digest_of("used")));
    EXPECT_TRUE(fs::exists(partial));
    EXPECT_TRUE(fs::exists(root + "/blobs/notes.txt"));
    EXPECT_TRUE(s->resolve(*parse_model_name("a")));
}

TEST_F(StoreTest, PruneDeletesNothingWhileAManifestIsUnreadable) {
    make_model("good", {{media_type::model, "g"}});
    auto orphan = s->put_blob_bytes("maybe the broken manifest's");
    ASSERT_TRUE(orphan);
    fs::create_directories(root + "/manifests/registry.ollama.ai/library/bad");
    std::ofstream(root + "/manifests/registry.ollama.ai/library/bad/latest") << "not json";

    auto p = s->prune_unreferenced();
    ASSERT_TRUE(p);
    EXPECT_EQ(p->unreadable_manifests, 1);
    EXPECT_EQ(p->blobs, 0);
    EXPECT_TRUE(s->has_blob(*orphan));
}
