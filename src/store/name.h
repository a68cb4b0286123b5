// Model names, with Ollama's grammar and limits.
//
//   name      := [ [ host "/" ] namespace "/" ] model [ ":" tag ] [ "@" digest ]
//   host      := [ scheme "://" ] hostpart      scheme: "http" | "https" (dropped)
//   hostpart  := first { alnum | "_" | "-" | "." | ":" }     1..350 bytes
//   namespace := first { alnum | "_" | "-" }                1..80 bytes
//   model     := first { alnum | "_" | "-" | "." }          1..80 bytes
//   tag       := first { alnum | "_" | "-" | "." }          1..80 bytes
//   first     := alnum | "_"                                (ASCII only)
//   digest    := "sha256:" 64 lowercase hex (or "sha256-"), see digest.h
//
// Defaults: host "registry.ollama.ai", namespace "library", tag "latest".
// The tag is whatever follows the last ':' when that ':' comes after the last
// '/' (so "localhost:5000/ns/m" has no tag). Every part must be present when
// its separator is: "ns/", "/m", "m:" and "m@" are invalid.
//
// Because a part starts with alnum or '_' and never contains '/', no accepted
// name can yield "." or ".." or a path separator inside a path component. Names
// compare case-insensitively (ASCII), as Ollama does; the store keeps the
// casing the first writer used on disk.
#pragma once

#include "core/result.h"

#include <string>
#include <string_view>

namespace lokal::store {

inline constexpr std::string_view default_host = "registry.ollama.ai";
inline constexpr std::string_view default_namespace = "library";
inline constexpr std::string_view default_tag = "latest";

struct model_name {
    std::string host;
    std::string ns;
    std::string model;
    std::string tag;
    std::string digest;  // "@sha256:..." suffix when given; never part of a path or a comparison

    // What /api/tags shows: "m:tag", "ns/m:tag" or "host/ns/m:tag", omitting
    // the default host (and then the default namespace), like Ollama.
    std::string display_short() const;
    // "host/ns/m:tag".
    std::string to_string() const;
    // "host/ns/model/tag": the manifest's path below <root>/manifests.
    std::string manifest_relpath() const;
    // Case-insensitive equality of host, namespace, model and tag.
    bool equals(const model_name & other) const;
};

// Parses and validates a name, filling in the defaults. invalid_request with a
// reason when the name breaks the grammar above.
result<model_name> parse_model_name(std::string_view text);

// Builds a name from the four directory levels of a manifest path
// (host/ns/model/tag) as found on disk; each part is validated.
result<model_name> name_from_parts(std::string_view host, std::string_view ns, std::string_view model,
                                   std::string_view tag);

// ASCII case-insensitive comparison.
bool iequals(std::string_view a, std::string_view b);

}  // namespace lokal::store
