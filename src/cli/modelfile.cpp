#include "cli/modelfile.h"

#include "cli/params.h"
#include "store/name.h"

#include <algorithm>
#include <filesystem>
#include <optional>
#include <pwd.h>

namespace lokal::cli {

namespace fs = std::filesystem;

namespace {

// The real (symlink-free) forms of the folders files may come from.
std::vector<fs::path> real_roots(const std::string & relative_dir, const std::vector<std::string> & extra_dirs) {
    std::vector<fs::path> out;
    std::error_code ec;
    for (const auto & d : extra_dirs) {
        if (auto r = fs::canonical(d, ec); !ec) out.push_back(r);
    }
    if (auto r = fs::canonical(relative_dir, ec); !ec) out.push_back(r);
    return out;
}

bool inside(const fs::path & real, const std::vector<fs::path> & roots) {
    for (const auto & root : roots) {
        auto rel = real.lexically_relative(root);
        if (!rel.empty() && *rel.begin() != "..") return true;
    }
    return false;
}

// The real path of an allowed regular file or folder; nullopt for anything
// missing, outside the roots or of another kind (the caller cannot tell which).
std::optional<fs::path> allowed(const std::string & path, const std::vector<fs::path> & roots, bool folder_ok) {
    std::error_code ec;
    fs::path real = fs::canonical(path, ec);  // follows every symlink
    if (ec || !inside(real, roots)) return std::nullopt;
    auto st = fs::status(real, ec);
    if (ec) return std::nullopt;
    if (fs::is_regular_file(st) || (folder_ok && fs::is_directory(st))) return real;
    return std::nullopt;
}

// A file to upload: its real path (what is read) and the name it had where
// the Modelfile pointed (a symlink keeps its own name, e.g. a Hugging Face
// cache's model.gguf pointing at a hash-named blob).
struct local_file {
    std::string real;
    std::string name;
};

// The allowed .gguf files of a directory, sorted for a stable request.
result<std::vector<local_file>> gguf_files_in(const fs::path & dir, const std::string & shown,
                                              const std::vector<fs::path> & roots) {
    std::vector<local_file> out;
    std::error_code ec;
    for (const auto & entry : fs::directory_iterator(dir, ec)) {
        if (entry.path().extension() != ".gguf") continue;
        if (auto f = allowed(entry.path().string(), roots, false)) {
            out.push_back({f->string(), entry.path().filename().string()});
        }
    }
    if (ec) return make_error(errc::invalid_request, "read " + shown + ": " + ec.message());
    if (out.empty()) return make_error(errc::invalid_request, "no .gguf model files found in " + shown);
    std::sort(out.begin(), out.end(), [](const local_file & a, const local_file & b) { return a.name < b.name; });
    return out;
}

// FROM/ADAPTER: local files when the path names allowed ones, nothing otherwise.
result<std::vector<local_file>> local_files(const std::string & path, const std::string & shown,
                                            const std::vector<fs::path> & roots) {
    auto real = allowed(path, roots, true);
    if (!real) return std::vector<local_file>{};
    if (fs::is_directory(*real)) return gguf_files_in(*real, shown, roots);
    return std::vector<local_file>{{real->string(), fs::path(path).filename().string()}};
}

status add_model_files(create_plan & plan, const store::modelfile_command & c, const std::string & dir,
                       const std::string & home, const std::vector<fs::path> & roots) {
    auto path = expand_path(c.args, dir, home);
    if (!path) return path.err();
    auto files = local_files(*path, c.args, roots);
    if (!files) return files.err();
    const std::string field = c.name == "model" ? "files" : c.name == "draft" ? "draft" : "adapters";
    if (files->empty()) {
        if (c.name == "adapter") return make_error(errc::not_found, "adapter " + c.args + ": no such file or directory");
        // Neither a file it may read nor a model name: the server would only
        // say "invalid model name", so say where files may come from.
        if (!store::parse_model_name(c.args)) {
            return make_error(errc::not_found, std::string(c.name == "draft" ? "DRAFT " : "FROM ") + c.args +
                                                   ": no such file in the Modelfile's folder, the model store or "
                                                   "LOKAL_MODELFILE_DIRS, and not a model name");
        }
        plan.request[c.name == "draft" ? "draft" : "from"] = c.args;  // not a local path: a model name
        return {};
    }
    for (const auto & f : *files) plan.uploads.push_back({f.real, f.name, field});
    return {};
}

status add_parameter(create_plan & plan, const store::modelfile_command & c) {
    if (is_deprecated_parameter(c.name)) {
        plan.warnings.push_back("warning: parameter " + c.name + " is deprecated");
        return {};
    }
    auto v = typed_parameter(c.name, {c.args});
    if (!v) return v.err();
    json & params = plan.request["parameters"];
    if (v->is_array() && params.contains(c.name) && params[c.name].is_array()) {
        for (const auto & item : *v) params[c.name].push_back(item);  // repeated "stop" lines add up
    } else {
        params[c.name] = *v;
    }
    return {};
}

}  // namespace

result<std::string> expand_path(const std::string & path, const std::string & relative_dir, const std::string & home) {
    fs::path p;
    if (!path.empty() && path[0] == '/') {
        p = path;
    } else if (!path.empty() && path[0] == '~') {
        const size_t slash = path.find('/');
        const std::string user = path.substr(1, slash == std::string::npos ? std::string::npos : slash - 1);
        std::string user_home = home;
        if (!user.empty()) {
            const passwd * pw = getpwnam(user.c_str());
            if (!pw) return make_error(errc::invalid_request, "failed to find user '" + user + "'");
            user_home = pw->pw_dir;
        }
        p = fs::path(user_home) / (slash == std::string::npos ? "" : path.substr(slash + 1));
    } else {
        p = fs::path(relative_dir) / path;
    }
    std::error_code ec;
    fs::path abs = fs::absolute(p, ec);
    if (ec) return make_error(errc::invalid_request, "invalid path " + path + ": " + ec.message());
    std::string out = abs.lexically_normal().string();
    if (out.size() > 1 && out.back() == '/') out.pop_back();
    return out;
}

result<create_plan> plan_create(const store::modelfile & mf, const std::string & relative_dir, const std::string & home,
                                const std::vector<std::string> & extra_dirs) {
    const auto roots = real_roots(relative_dir, extra_dirs);
    create_plan plan;
    json licenses = json::array();
    json messages = json::array();
    for (const auto & c : mf.commands) {
        status st;
        if (c.is_parameter) {
            st = add_parameter(plan, c);
        } else if (c.name == "model" || c.name == "adapter") {
            st = add_model_files(plan, c, relative_dir, home, roots);
        } else if (c.name == "message") {
            messages.push_back({{"role", c.role}, {"content", c.args}});
        } else if (c.name == "license") {
            licenses.push_back(c.args);
        } else if (c.name == "draft") {
            st = add_model_files(plan, c, relative_dir, home, roots);
        } else {
            plan.request[c.name] = c.args;  // template, system, requires, renderer, parser
        }
        if (!st) return st.err();
    }
    if (!licenses.empty()) plan.request["license"] = licenses;
    if (!messages.empty()) plan.request["messages"] = messages;
    return plan;
}

}  // namespace lokal::cli
