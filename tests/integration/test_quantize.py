"""Quantize on create (`quantize` in /api/create, `lokal create -q`): an F16
model (llama-2-tiny-random) and an F32 one (stories260K) become each of the
common types through llama.cpp in process, with Ollama's progress objects;
the new GGUF says its type, `show` reports it, and the model generates.
Unknown types and already-quantized sources are refused as Ollama words it."""

from __future__ import annotations

import subprocess

import pytest

from lokal_helpers import STORIES_GGUF, TINY_GGUF, Api, client_env, error_of
from gguf_meta import read_metadata

# llama.cpp's llama_ftype numbers, as general.file_type records them.
TYPES = {"q4_0": 2, "q4_K_S": 14, "q4_K_M": 15, "q5_K_M": 17, "q6_K": 18, "q8_0": 7}
SOURCES = [(TINY_GGUF, "F16"), (STORIES_GGUF, "F32")]


def _model_blob(srv, api: Api, name: str):
    digest = next(layer["digest"] for layer in _manifest(srv, name)["layers"]
                  if layer["mediaType"] == "application/vnd.ollama.image.model")
    return srv.models_dir / "blobs" / digest.replace(":", "-")


def _manifest(srv, name: str) -> dict:
    import json
    return json.loads((srv.models_dir / "manifests" / "registry.ollama.ai" / "library" / name / "latest").read_text())


@pytest.mark.parametrize("source,source_type", SOURCES, ids=["f16-tiny", "f32-stories"])
def test_quantize_to_each_type(fresh_server, source, source_type):
    api = Api(fresh_server.url)
    digest = api.push_blob(source)
    size = source.stat().st_size
    for qtype, ftype in TYPES.items():
        name = f"q-{qtype.lower()}"
        r, items = api.stream("/api/create", {"model": name, "files": {source.name: digest}, "quantize": qtype})
        assert r.status_code == 200, r.text[:300]
        assert not [i for i in items if "error" in i], items[-3:]
        status = f"quantizing {source_type} model to {qtype.upper()}"
        progress = [i for i in items if i["status"] == status]
        assert progress, [i["status"] for i in items]
        assert all(i["digest"] == "0000000000000000000" and i["total"] == size for i in progress)
        assert progress[-1]["completed"] == size
        statuses = [i["status"] for i in items]
        assert statuses[-2:] == ["writing manifest", "success"]
        assert any(s.startswith("creating new layer sha256:") for s in statuses)

        blob = _model_blob(fresh_server, api, name)
        assert read_metadata(blob)["general.file_type"] == ftype
        assert blob.stat().st_size < size
        assert api.show(name)["details"]["quantization_level"] == qtype.upper()
        out = api.generate(model=name, prompt="Once upon a time", options={"num_predict": 3, "temperature": 0})
        assert out["done"] is True and out["eval_count"] >= 1
        api.delete("/api/delete", {"model": name})
    # The source blob is untouched, and the temporary files are gone.
    assert (fresh_server.models_dir / "blobs" / digest.replace(":", "-")).read_bytes() == source.read_bytes()
    assert not [p for p in (fresh_server.models_dir / "blobs").iterdir() if p.name.startswith(".lokal-tmp")]


def test_same_type_is_left_as_is(fresh_server):
    api = Api(fresh_server.url)
    digest = api.push_blob(TINY_GGUF)
    r, items = api.stream("/api/create", {"model": "same", "files": {"t.gguf": digest}, "quantize": "f16"})
    assert r.status_code == 200
    assert not any(i["status"].startswith("quantizing") for i in items)
    assert _model_blob(fresh_server, api, "same").name == digest.replace(":", "-")


def test_refusals_use_ollamas_words(fresh_server):
    api = Api(fresh_server.url)
    digest = api.push_blob(TINY_GGUF)
    r = api.post("/api/create", {"model": "bad", "files": {"t.gguf": digest}, "quantize": "q9_x"})
    assert r.status_code == 400
    assert error_of(r).startswith("unsupported quantization type Q9_X - supported types are ")
    assert "Q4_K_M" in error_of(r)
    api.create("q4", files={"t.gguf": digest}, quantize="q4_0")
    r = api.post("/api/create", {"model": "again", "from": "q4", "quantize": "q8_0"})
    assert r.status_code == 400
    assert error_of(r) == "quantization is only supported for F16 and F32 models"
    assert {m["name"] for m in api.tags()} == {"q4:latest"}


def test_cli_create_quantize(fresh_server, tmp_path):
    (tmp_path / "Modelfile").write_text(f"FROM {TINY_GGUF}\n")
    out = subprocess.run([str(fresh_server.binary), "create", "cliq", "-q", "q8_0", "-f", str(tmp_path / "Modelfile")],
                         env={**client_env(fresh_server.host, fresh_server.home),
                              "LOKAL_MODELFILE_DIRS": str(TINY_GGUF.parent)}, capture_output=True, text=True,
                         timeout=300, stdin=subprocess.DEVNULL)
    assert out.returncode == 0, out.stderr[-2000:]
    assert Api(fresh_server.url).show("cliq")["details"]["quantization_level"] == "Q8_0"
