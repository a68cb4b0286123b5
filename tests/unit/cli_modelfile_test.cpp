#include "cli/modelfile.h"
#include "cli/params.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <sys/stat.h>
#include <unistd.h>

using namespace lokal;
using namespace lokal::cli;
namespace fs = std::filesystem;

namespace {

class temp_dir {
public:
    temp_dir() {
        path_ = fs::temp_directory_path() / ("lokal-cli-test-" + std::to_string(::getpid()) + "-" +
                                             std::to_string(counter_++));
        fs::create_directories(path_);
    }
    ~temp_dir() { fs::remove_all(path_); }
    const fs::path & path() const { return path_; }
    void write(const std::string & name, const std::string & text) const {
        fs::create_directories((path_ / name).parent_path());
        std::ofstream(path_ / name) << text;
    }

private:
    fs::path path_;
    static inline int counter_ = 0;
};

create_plan plan_of(const std::string & text, const std::string & dir) {
    auto mf = store::parse_modelfile(text);
    EXPECT_TRUE(mf.ok()) << mf.err().message;
    auto plan = plan_create(*mf, dir, "/home/u");
    EXPECT_TRUE(plan.ok()) << plan.err().message;
    return plan.ok() ? *plan : create_plan{};
}

}  // namespace

TEST(cli_modelfile, local_gguf_becomes_an_upload) {
    temp_dir d;
    d.write("weights.gguf", "GGUF");
    const create_plan p = plan_of(
        "# comment\n"
        "FROM ./weights.gguf\n"
        "TEMPLATE \"\"\"{{ .Prompt }}\"\"\"\n"
        "SYSTEM You are terse.\n"
        "PARAMETER temperature 0.7\n"
        "PARAMETER num_ctx 4096\n"
        "PARAMETER stop <|end|>\n"
        "PARAMETER stop \"<|user|>\"\n"
        "PARAMETER use_mmap false\n"
        "MESSAGE user Hi\n"
        "MESSAGE assistant Hello!\n"
        "LICENSE MIT\n"
        "LICENSE \"\"\"Apache\n2.0\"\"\"\n",
        d.path().string());
    ASSERT_EQ(p.uploads.size(), 1u);
    EXPECT_EQ(p.uploads[0].path, (d.path() / "weights.gguf").string());
    EXPECT_EQ(p.uploads[0].name, "weights.gguf");
    EXPECT_EQ(p.uploads[0].field, "files");
    EXPECT_FALSE(p.request.contains("from"));
    EXPECT_EQ(p.request["template"], "{{ .Prompt }}");
    EXPECT_EQ(p.request["system"], "You are terse.");
    EXPECT_EQ(p.request["parameters"].dump(),
              R"({"temperature":0.7,"num_ctx":4096,"stop":["<|end|>","<|user|>"],"use_mmap":false})");
    EXPECT_EQ(p.request["messages"].dump(),
              R"([{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello!"}])");
    EXPECT_EQ(p.request["license"].dump(), R"(["MIT","Apache\n2.0"])");
}

TEST(cli_modelfile, model_name_becomes_from) {
    temp_dir d;
    const create_plan p = plan_of("FROM llama3.2:latest\nSYSTEM hi\n", d.path().string());
    EXPECT_TRUE(p.uploads.empty());
    EXPECT_EQ(p.request["from"], "llama3.2:latest");
    // a file that does not exist is passed on as a name when it is one
    const create_plan missing = plan_of("FROM missing.gguf\n", d.path().string());
    EXPECT_EQ(missing.request["from"], "missing.gguf");
}

TEST(cli_modelfile, directory_of_ggufs_and_adapters) {
    temp_dir d;
    d.write("m/b.gguf", "x");
    d.write("m/a.gguf", "y");
    d.write("m/readme.txt", "z");
    d.write("lora.gguf", "w");
    const create_plan p = plan_of("FROM m\nADAPTER lora.gguf\n", d.path().string());
    ASSERT_EQ(p.uploads.size(), 3u);
    EXPECT_EQ(p.uploads[0].name, "a.gguf");
    EXPECT_EQ(p.uploads[1].name, "b.gguf");
    EXPECT_EQ(p.uploads[2].name, "lora.gguf");
    EXPECT_EQ(p.uploads[2].field, "adapters");

    d.write("empty/.keep", "");
    auto mf = store::parse_modelfile("FROM empty\n");
    ASSERT_TRUE(mf.ok());
    EXPECT_FALSE(plan_create(*mf, d.path().string(), "/h").ok());
    auto no_adapter = store::parse_modelfile("FROM x\nADAPTER nope.gguf\n");
    ASSERT_TRUE(no_adapter.ok());
    EXPECT_FALSE(plan_create(*no_adapter, d.path().string(), "/h").ok());
}

TEST(cli_modelfile, bad_parameters_and_deprecated_ones) {
    auto bad = store::parse_modelfile("FROM x\nPARAMETER temperature hot\n");
    ASSERT_TRUE(bad.ok());
    auto p = plan_create(*bad, "/", "/h");
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.err().message, "invalid float value [hot]");

    auto unknown = store::parse_modelfile("FROM x\nPARAMETER flavour mint\n");
    ASSERT_TRUE(unknown.ok());
    EXPECT_EQ(plan_create(*unknown, "/", "/h").err().message, "unknown parameter 'flavour'");

    auto old = store::parse_modelfile("FROM x\nPARAMETER mirostat 1\n");
    ASSERT_TRUE(old.ok());
    auto plan = plan_create(*old, "/", "/h");
    ASSERT_TRUE(plan.ok());
    EXPECT_FALSE(plan->request.contains("parameters"));
    ASSERT_EQ(plan->warnings.size(), 1u);
    EXPECT_EQ(plan->warnings[0], "warning: parameter mirostat is deprecated");
}

TEST(cli_modelfile, expand_path) {
    EXPECT_EQ(*expand_path("/abs/m.gguf", "/dir", "/home/u"), "/abs/m.gguf");
    EXPECT_EQ(*expand_path("m.gguf", "/dir", "/home/u"), "/dir/m.gguf");
    EXPECT_EQ(*expand_path("./sub/../m.gguf", "/dir", "/home/u"), "/dir/m.gguf");
    EXPECT_EQ(*expand_path("~/m.gguf", "/dir", "/home/u"), "/home/u/m.gguf");
    EXPECT_EQ(*expand_path("~", "/dir", "/home/u"), "/home/u");
    EXPECT_EQ(*expand_path("~root/m.gguf", "/dir", "/home/u"), "/root/m.gguf");
    EXPECT_FALSE(expand_path("~no-such-user-here/m", "/dir", "/home/u").ok());
}

TEST(cli_params, typed_values) {
    EXPECT_EQ(typed_parameter("seed", {"42"})->dump(), "42");
    EXPECT_EQ(typed_parameter("top_p", {"0.9"})->dump(), "0.9");
    EXPECT_EQ(typed_parameter("use_mmap", {"True"})->dump(), "true");
    EXPECT_EQ(typed_parameter("stop", {"a", "b"})->dump(), R"(["a","b"])");
    // lokal's own per-model runner settings come from the same options table as the server's.
    EXPECT_EQ(typed_parameter("kv_cache_type", {"q8_0"})->dump(), R"("q8_0")");
    EXPECT_EQ(typed_parameter("flash_attention", {"false"})->dump(), "false");
    EXPECT_EQ(typed_parameter("num_ctx", {"4k"}).err().message, "invalid int value [4k]");
    EXPECT_EQ(typed_parameter("use_mmap", {"maybe"}).err().message, "invalid bool value [maybe]");
    EXPECT_TRUE(is_deprecated_parameter("low_vram"));
    EXPECT_FALSE(is_deprecated_parameter("num_ctx"));
}

TEST(cli_modelfile, draft_file_is_an_upload_and_a_name_is_a_model) {
    temp_dir d;
    d.write("big.gguf", "GGUF");
    d.write("small.gguf", "GGUF");
    const create_plan p = plan_of("FROM ./big.gguf\nDRAFT ./small.gguf\n", d.path().string());
    ASSERT_EQ(p.uploads.size(), 2u);
    EXPECT_EQ(p.uploads[1].field, "draft");
    EXPECT_EQ(p.uploads[1].name, "small.gguf");
    const create_plan named = plan_of("FROM ./big.gguf\nDRAFT llama3.2:1b\n", d.path().string());
    EXPECT_EQ(named.request.value("draft", ""), "llama3.2:1b");
    EXPECT_FALSE(named.request.contains("from"));
}

// FROM/ADAPTER files come only from the Modelfile's folder (and
// LOKAL_MODELFILE_DIRS): escapes, symlinks out, devices and FIFOs read as missing.
TEST(cli_modelfile_paths, only_regular_files_under_allowed_folders) {
    temp_dir outside, d;
    outside.write("secret.gguf", "S");
    d.write("sub/ok.gguf", "K");
    fs::create_symlink(outside.path() / "secret.gguf", d.path() / "link-out.gguf");
    fs::create_symlink(d.path() / "sub" / "ok.gguf", d.path() / "link-in.gguf");
    fs::create_symlink(outside.path(), d.path() / "dir-out");
    ASSERT_EQ(::mkfifo((d.path() / "pipe.gguf").c_str(), 0600), 0);
    const std::string rel_out = "../" + outside.path().filename().string() + "/secret.gguf";
    const std::string dir = d.path().string();

    EXPECT_EQ(plan_of("FROM ./sub/ok.gguf\n", dir).uploads.size(), 1u);
    EXPECT_EQ(plan_of("FROM " + dir + "/sub/ok.gguf\n", dir).uploads.size(), 1u);  // absolute, but inside
    auto in = plan_of("FROM ./link-in.gguf\n", dir);                              // a symlink that stays inside
    ASSERT_EQ(in.uploads.size(), 1u);
    EXPECT_EQ(in.uploads[0].path, (d.path() / "sub" / "ok.gguf").string());       // its real path is read
    EXPECT_EQ(in.uploads[0].name, "link-in.gguf");                                 // under the link's name

    // Each refused FROM is exactly a missing file: passed on as a name when
    // it is one, else refused with the path as written.
    for (std::string from : {std::string("dir-out"), std::string("link-out.gguf"), std::string("missing.gguf")}) {
        auto p = plan_of("FROM " + from + "\n", dir);
        EXPECT_TRUE(p.uploads.empty()) << from;
        EXPECT_EQ(p.request["from"], from) << from;
    }
    for (std::string from : {rel_out, (outside.path() / "secret.gguf").string(), std::string("./link-out.gguf"),
                             std::string("./pipe.gguf"), std::string("/dev/zero"), std::string("/dev/null"),
                             std::string("./missing.gguf")}) {
        auto mf = store::parse_modelfile("FROM " + from + "\n");
        ASSERT_TRUE(mf.ok());
        auto p = plan_create(*mf, dir, "/h");
        ASSERT_FALSE(p.ok()) << from;
        EXPECT_EQ(p.err().message, "FROM " + from +
                                       ": no such file in the Modelfile's folder, the model store or "
                                       "LOKAL_MODELFILE_DIRS, and not a model name");
    }
    // Each refused ADAPTER gets the missing-file message, with the path as written.
    for (std::string adapter : {rel_out, std::string("./link-out.gguf"), std::string("./pipe.gguf"),
                                std::string("/dev/zero"), std::string("./missing.gguf")}) {
        auto mf = store::parse_modelfile("FROM x\nADAPTER " + adapter + "\n");
        ASSERT_TRUE(mf.ok());
        auto p = plan_create(*mf, dir, "/h");
        ASSERT_FALSE(p.ok()) << adapter;
        EXPECT_EQ(p.err().message, "adapter " + adapter + ": no such file or directory");
    }
    // A folder FROM skips what it may not read and never shows the absolute path.
    d.write("m/a.gguf", "A");
    fs::create_symlink(outside.path() / "secret.gguf", d.path() / "m" / "b.gguf");
    auto m = plan_of("FROM m\n", dir);
    ASSERT_EQ(m.uploads.size(), 1u);
    EXPECT_EQ(m.uploads[0].name, "a.gguf");
    d.write("only-out/.keep", "");
    fs::create_symlink(outside.path() / "secret.gguf", d.path() / "only-out" / "s.gguf");
    auto mf = store::parse_modelfile("FROM only-out\n");
    auto p = plan_create(*mf, dir, "/h");
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.err().message, "no .gguf model files found in only-out");

    // LOKAL_MODELFILE_DIRS allows another folder.
    auto extra = store::parse_modelfile("FROM " + (outside.path() / "secret.gguf").string() + "\n");
    auto allowed = plan_create(*extra, dir, "/h", {outside.path().string()});
    ASSERT_TRUE(allowed.ok());
    EXPECT_EQ(allowed->uploads.size(), 1u);
}
