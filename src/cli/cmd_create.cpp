// `lokal create`: parse the Modelfile here, upload the local files it names
// as blobs (skipping those the server has), then stream /api/create.
#include "cli/commands.h"
#include "cli/modelfile.h"
#include "cli/progress.h"
#include "cli/run_session.h"
#include "cli/status_stream.h"
#include "cli/terminal.h"
#include "client/client.h"
#include "store/digest.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <pwd.h>
#include <sstream>
#include <unistd.h>

namespace lokal::cli {

namespace fs = std::filesystem;

namespace {

std::string home_dir() {
    const passwd * pw = getpwuid(getuid());
    return pw && pw->pw_dir ? pw->pw_dir : "/";
}

struct modelfile_source {
    std::string text;
    std::string dir;  // where relative paths in it start
};

// -f FILE, else ./Modelfile, else (as Ollama) "FROM ." for the current directory.
result<modelfile_source> read_modelfile(const parsed_args & args) {
    const bool given = args.has("file") && !args.value("file").empty();
    std::error_code ec;
    const fs::path path = fs::absolute(given ? args.value("file") : "Modelfile", ec);
    if (ec) return make_error(errc::invalid_request, ec.message());
    if (!fs::exists(path, ec)) {
        if (given) return make_error(errc::not_found, "specified Modelfile wasn't found");
        return modelfile_source{"FROM .\n", fs::current_path(ec).string()};
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error(errc::invalid_request, "open " + path.filename().string() + ": permission denied");
    std::ostringstream text;
    text << in.rdbuf();
    return modelfile_source{text.str(), path.parent_path().string()};
}

// Reads the file plan_create() checked, refusing it if it was swapped for
// a symlink, FIFO or device since (no follow, no blocking open). Messages
// name the file, not its absolute path.
result<std::string> file_digest(const std::string & path, const std::string & shown) {
    int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    struct stat st{};
    if (fd < 0 || ::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (fd >= 0) ::close(fd);
        return make_error(errc::not_found, "open " + shown + ": no such file or directory");
    }
    store::sha256 h;
    std::vector<char> buf(4 << 20);
    ssize_t n = 0;
    while ((n = ::read(fd, buf.data(), buf.size())) > 0) h.update(buf.data(), static_cast<size_t>(n));
    ::close(fd);
    if (n < 0) return make_error(errc::internal, "read " + shown + ": I/O error");
    return "sha256:" + h.finish_hex();
}

// Uploads one file unless the server already has its digest.
status ensure_blob(client::client & c, progress & p, const blob_upload & up, const std::string & digest) {
    auto head = c.head("/api/blobs/" + digest);
    if (!head) return head.err();
    if (*head == 200) return {};
    const auto size = static_cast<int64_t>(fs::file_size(up.path));
    const size_t bar = p.add_bar("copying file " + up.name, size);
    return c.upload_blob(digest, up.path, [&](int64_t done, int64_t) {
        p.set_value(bar, done);
        return true;
    });
}

}  // namespace

status cmd_create(context & ctx, const parsed_args & args) {
    auto source = read_modelfile(args);
    if (!source) return source.err();
    auto mf = store::parse_modelfile(source->text);
    if (!mf) return mf.err();

    progress p(stderr_is_tty());
    p.add_spinner("gathering model components");
    // The local store's blobs are allowed too: `show --modelfile` names them.
    auto dirs = ctx.settings.modelfile_dirs;
    dirs.push_back(ctx.settings.models_dir + "/blobs");
    auto plan = plan_create(*mf, source->dir, home_dir(), dirs);
    if (!plan) return plan.err();
    for (const auto & w : plan->warnings) print_out(w + "\n");

    client::client c(ctx.settings.base_url(), ctx.settings.api_key);
    json req = {{"model", args.positional[0]}};
    for (auto it = plan->request.begin(); it != plan->request.end(); ++it) req[it.key()] = it.value();
    for (const auto & up : plan->uploads) {
        auto digest = file_digest(up.path, up.name);
        if (!digest) return digest.err();
        if (status st = ensure_blob(c, p, up, *digest); !st) return st;
        req[up.field][up.name] = *digest;
    }
    if (!args.value("quantize").empty()) req["quantize"] = args.value("quantize");
    return stream_with_progress(c, p, "/api/create", req, "pulling", false);
}

}  // namespace lokal::cli
