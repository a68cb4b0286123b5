// The web UI's files, embedded at build time (scripts/embed-web.py generates
// the table from web/dist; a build without the UI gets an empty one).
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

namespace lokal::webui {

struct asset {
    const char * path;          // "/index.html", "/assets/index-3f2a9c1b.js"
    const char * content_type;
    const char * etag;          // quoted, from the content's sha256
    const unsigned char * data;
    size_t size;
    const unsigned char * gzip; // nullptr when compressing does not pay
    size_t gzip_size;
};

std::span<const asset> embedded_assets();

const asset * find_asset(std::string_view path);

}  // namespace lokal::webui
