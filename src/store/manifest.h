// Manifests and config blobs, byte-compatible with Ollama's: a Docker v2
// image manifest whose layers carry Ollama's media types, and a config blob
// with the model's format, family, parameter size and quantization.
#pragma once

#include "core/json.h"
#include "core/result.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lokal::store {

namespace media_type {
inline constexpr std::string_view manifest = "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view config = "application/vnd.docker.container.image.v1+json";
inline constexpr std::string_view model = "application/vnd.ollama.image.model";
inline constexpr std::string_view adapter = "application/vnd.ollama.image.adapter";
inline constexpr std::string_view projector = "application/vnd.ollama.image.projector";
inline constexpr std::string_view draft = "application/vnd.ollama.image.draft";  // DRAFT: speculative decoding
inline constexpr std::string_view template_ = "application/vnd.ollama.image.template";
inline constexpr std::string_view system = "application/vnd.ollama.image.system";
inline constexpr std::string_view params = "application/vnd.ollama.image.params";
inline constexpr std::string_view messages = "application/vnd.ollama.image.messages";
inline constexpr std::string_view license = "application/vnd.ollama.image.license";
// Older manifests name the template layer "prompt".
inline constexpr std::string_view prompt = "application/vnd.ollama.image.prompt";
}  // namespace media_type

struct layer {
    std::string media_type;
    std::string digest;  // normalised "sha256:<hex>"
    int64_t size = 0;
    std::string from;    // where the layer came from (file name or model), optional
    std::string name;    // Ollama's tensor-layer name, optional
};

struct manifest {
    int schema_version = 2;
    std::string media_type = std::string(media_type::manifest);
    layer config;
    std::vector<layer> layers;

    // config + all layers, as Ollama's Size().
    int64_t total_size() const;
    // First layer of the given media type, or nullptr.
    const layer * find(std::string_view media_type) const;
};

struct manifest_limits {
    size_t max_bytes = 16u << 20;   // Ollama's safetensors imports have a layer per tensor
    size_t max_layers = 1u << 16;
};

// Parses manifest JSON. Every digest is validated (and normalised), sizes
// must be non-negative, and unknown fields are ignored.
result<manifest> parse_manifest(std::string_view bytes, const manifest_limits & limits = {});

// Serialises like Go's json.Encoder: compact, fields in Ollama's order, "\n".
std::string serialize_manifest(const manifest & m);

// The config blob ("model_format", "model_family", ... as Ollama writes it).
struct model_config {
    std::string model_format = "gguf";
    std::string model_family;
    std::vector<std::string> model_families;
    std::string model_type;   // parameter size, "260K", "8.0B"
    std::string file_type;    // quantization, "F32", "Q4_K_M"
    std::string renderer;
    std::string parser;
    std::string requires_version;  // "requires"
    std::string architecture = "amd64";
    std::string os = "linux";
    std::vector<std::string> diff_ids;  // rootfs.diff_ids: the layer digests

    json to_json() const;
    static model_config from_json(const json & j);  // lenient: missing or mistyped fields stay default
};

std::string serialize_config(const model_config & c);

// Ollama's format.HumanNumber: 260000 -> "260K", 8030261248 -> "8.0B",
// 268000000 -> "268M", 1500000 -> "1.50M".
std::string human_number(uint64_t n);

}  // namespace lokal::store
