"""Ollama's own store: a models directory laid out exactly as Ollama lays it
out (built here by hand from Ollama's on-disk format: manifests/<host>/<ns>/
<model>/<tag> as compact JSON, blobs/sha256-<hex>, a Docker image config
blob) is listed, shown and run in place through OLLAMA_MODELS; and what lokal
creates there has the layout Ollama reads back."""

from __future__ import annotations

import hashlib
import json
import re

import pytest

from lokal_helpers import STORIES_GGUF, Api, LokalServer, find_model

MANIFEST_MT = "application/vnd.docker.distribution.manifest.v2+json"
CONFIG_MT = "application/vnd.docker.container.image.v1+json"
OLLAMA_LAYER_MTS = {f"application/vnd.ollama.image.{k}" for k in
                    ("model", "projector", "adapter", "template", "system", "params", "license", "messages")}
TEMPLATE = "{{ if .System }}{{ .System }} {{ end }}{{ .Prompt }}"
PARAMS = {"stop": ["<|end|>"], "temperature": 0, "num_predict": 12}


def _go(obj) -> bytes:
    """Go's json.Encoder output: compact, '<>&' escaped, a newline at the end."""
    text = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026") + "\n").encode()


def _blob(root, data: bytes) -> dict:
    hexd = hashlib.sha256(data).hexdigest()
    (root / "blobs" / f"sha256-{hexd}").write_bytes(data)
    return {"digest": f"sha256:{hexd}", "size": len(data)}


def _write_model(root, path: str, layers: list[tuple[str, bytes]], file_type: str, family: str = "llama") -> bytes:
    """One model as `ollama pull` leaves it; returns the manifest bytes."""
    out = [{"mediaType": f"application/vnd.ollama.image.{kind}", **_blob(root, data)} for kind, data in layers]
    config = {"model_format": "gguf", "model_family": family, "model_families": [family], "model_type": "293K",
              "file_type": file_type, "architecture": "amd64", "os": "linux",
              "rootfs": {"type": "layers", "diff_ids": [l["digest"] for l in out]}}
    manifest = {"schemaVersion": 2, "mediaType": MANIFEST_MT,
                "config": {"mediaType": CONFIG_MT, **_blob(root, _go(config))}, "layers": out}
    dest = root / "manifests" / path
    dest.parent.mkdir(parents=True, exist_ok=True)
    data = _go(manifest)
    dest.write_bytes(data)
    return data


class OllamaStoreServer(LokalServer):
    """lokal serve with OLLAMA_MODELS set and LOKAL_MODELS unset."""

    def env(self) -> dict:
        env = super().env()
        env.pop("LOKAL_MODELS")
        env["OLLAMA_MODELS"] = str(self.models_dir)
        return env


@pytest.fixture(scope="module")
def ollama_store(binary, tmp_path_factory):
    work = tmp_path_factory.mktemp("ollama-home")
    root = work / "models"
    (root / "blobs").mkdir(parents=True)
    gguf = STORIES_GGUF.read_bytes()
    manifests = {
        "stories:latest": _write_model(root, "registry.ollama.ai/library/stories/latest", [
            ("model", gguf), ("template", TEMPLATE.encode()), ("system", b"Tell a story."),
            ("license", b"Ollama-side licence."), ("params", _go(PARAMS))], "F32"),
        "hf.co/someone/stories-gguf:F32": _write_model(root, "hf.co/someone/stories-gguf/F32", [
            ("model", gguf), ("params", _go({"temperature": 0, "num_predict": 12}))], "F32"),
    }
    # An interrupted `ollama pull` leaves these; they are Ollama's to finish.
    partial = root / "blobs" / ("sha256-" + "ab" * 32 + "-partial")
    partial.write_bytes(b"half")
    (root / "blobs" / ("sha256-" + "ab" * 32 + "-partial-0")).write_text('{"N":0,"Offset":0,"Size":4}')
    before = {p.relative_to(root): p.read_bytes() for p in root.rglob("*") if p.is_file()}
    srv = OllamaStoreServer(binary, work)
    srv.start()
    yield srv, Api(srv.url), manifests, before
    srv.stop()


def test_lists_ollama_models_in_place(ollama_store):
    srv, api, manifests, before = ollama_store
    tags = api.tags()
    for name, raw in manifests.items():
        m = find_model(tags, name)
        assert m is not None, [t["name"] for t in tags]
        assert m["digest"] == hashlib.sha256(raw).hexdigest()  # the manifest file's digest, as Ollama shows it
        layers = json.loads(raw)
        assert m["size"] == layers["config"]["size"] + sum(l["size"] for l in layers["layers"])
        assert m["details"]["family"] == "llama" and m["details"]["quantization_level"] == "F32"
        assert m["details"]["parameter_size"] == "293K" and m["details"]["format"] == "gguf"
    # read in place: nothing added, changed or removed (Ollama's partial downloads included)
    after = {p.relative_to(srv.models_dir): p.read_bytes() for p in srv.models_dir.rglob("*") if p.is_file()}
    assert after == before


def test_shows_and_runs_ollama_models(ollama_store):
    srv, api, _manifests, _before = ollama_store
    s = api.show("stories")
    assert s["template"] == TEMPLATE and s["system"] == "Tell a story."
    assert s["license"] == "Ollama-side licence."
    assert re.search(r"^temperature\s+0$", s["parameters"], re.M), s["parameters"]
    assert s["model_info"]["general.architecture"] == "llama"
    g = api.generate(model="stories", prompt="Once upon a time")
    assert g["done"] and g["eval_count"] == 12 and g["response"]
    h = api.generate(model="hf.co/someone/stories-gguf:F32", prompt="Once upon a time")
    assert h["done"] and h["eval_count"] == 12


def test_what_lokal_creates_is_laid_out_for_ollama(ollama_store):
    srv, api, _manifests, _before = ollama_store
    root = srv.models_dir
    api.create("lokal-made", **{"from": "stories"}, system="Made by lokal.", parameters={"num_predict": 5})
    # Ollama globs manifests/*/*/*/* and reads the file as a ManifestV2
    path = root / "manifests" / "registry.ollama.ai" / "library" / "lokal-made" / "latest"
    raw = path.read_bytes()
    assert raw.endswith(b"}\n") and b"\n" not in raw[:-1], "one compact JSON line, as Go's encoder writes"
    m = json.loads(raw)
    assert list(m) == ["schemaVersion", "mediaType", "config", "layers"]
    assert m["schemaVersion"] == 2 and m["mediaType"] == MANIFEST_MT
    assert m["config"]["mediaType"] == CONFIG_MT
    for l in [m["config"], *m["layers"]]:
        assert re.fullmatch(r"sha256:[0-9a-f]{64}", l["digest"]), l
        blob = root / "blobs" / l["digest"].replace(":", "-")
        data = blob.read_bytes()
        assert hashlib.sha256(data).hexdigest() == l["digest"][7:] and len(data) == l["size"]
        assert set(l) <= {"mediaType", "digest", "size", "from"}, l
    kinds = [l["mediaType"] for l in m["layers"]]
    assert set(kinds) <= OLLAMA_LAYER_MTS and kinds.count("application/vnd.ollama.image.model") == 1, kinds
    config = json.loads((root / "blobs" / m["config"]["digest"].replace(":", "-")).read_bytes())
    assert {"model_format", "model_family", "model_families", "model_type", "file_type", "architecture", "os",
            "rootfs"} <= set(config), config
    assert config["model_format"] == "gguf" and config["rootfs"]["type"] == "layers"
    assert config["rootfs"]["diff_ids"] == [l["digest"] for l in m["layers"]]
    system = next(l for l in m["layers"] if l["mediaType"].endswith(".system"))
    assert (root / "blobs" / system["digest"].replace(":", "-")).read_bytes() == b"Made by lokal."
    params = next(l for l in m["layers"] if l["mediaType"].endswith(".params"))
    assert json.loads((root / "blobs" / params["digest"].replace(":", "-")).read_bytes())["num_predict"] == 5
    # the weights are Ollama's blob, shared, not a copy
    model = next(l for l in m["layers"] if l["mediaType"].endswith(".model"))
    ollama_model = json.loads((root / "manifests/registry.ollama.ai/library/stories/latest").read_bytes())["layers"][0]
    assert model["digest"] == ollama_model["digest"]


def test_removing_a_lokal_model_keeps_ollamas_blobs(ollama_store):
    srv, api, _manifests, _before = ollama_store
    api.create("lokal-copy", **{"from": "stories"}, system="Temporary.")
    assert api.delete("/api/delete", {"model": "lokal-copy"}).status_code == 200
    stories = json.loads((srv.models_dir / "manifests/registry.ollama.ai/library/stories/latest").read_bytes())
    for l in [stories["config"], *stories["layers"]]:
        assert (srv.models_dir / "blobs" / l["digest"].replace(":", "-")).exists(), l
    assert api.generate(model="stories", prompt="Once")["done"]
