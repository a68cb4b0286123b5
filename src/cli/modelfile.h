// The client side of `lokal create`: turning a parsed Modelfile (the
// store's parser, shared with the server) into an /api/create request, as
// Ollama's CLI does. Local files named by FROM/ADAPTER are not sent inline:
// they become blobs that are hashed and uploaded first, and the request
// names them by digest.
#pragma once

#include "core/json.h"
#include "core/result.h"
#include "store/modelfile.h"

#include <string>
#include <vector>

namespace lokal::cli {

// A local file that has to reach the server as a blob before the create.
struct blob_upload {
    std::string path;   // absolute path on this machine
    std::string name;   // file name inside the model ("model.gguf")
    std::string field;  // "files", "adapters" or "draft"
};

struct create_plan {
    json request = json::object();  // everything but "model" and the digests
    std::vector<blob_upload> uploads;
    std::vector<std::string> warnings;  // e.g. deprecated parameters
};

// relative_dir: the Modelfile's directory (relative paths resolve there);
// home: the user's home for "~/..." paths. FROM with a path that exists
// (a .gguf file, or a directory holding .gguf files) means uploads; any
// other FROM is a model name.
//
// Files may come only from relative_dir and below, or from extra_dirs
// (LOKAL_MODELFILE_DIRS): a path that leaves them (by "..", an absolute or
// "~" path, or a symlink), or that names anything but a regular file (a
// device, FIFO or socket), is treated exactly like a missing file, so a
// Modelfile from elsewhere cannot read or probe the rest of the machine.
// Messages name paths as the Modelfile wrote them, never absolute ones.
result<create_plan> plan_create(const store::modelfile & mf, const std::string & relative_dir, const std::string & home,
                                const std::vector<std::string> & extra_dirs = {});

// Resolves a FROM/ADAPTER path as Ollama does: absolute stays, "~" and
// "~user" expand, anything else is relative to relative_dir.
result<std::string> expand_path(const std::string & path, const std::string & relative_dir, const std::string & home);

}  // namespace lokal::cli
