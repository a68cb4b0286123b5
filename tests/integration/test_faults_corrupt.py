"""A blob whose bytes were flipped on disk after create is refused when the
model loads, with a message that says so; other models are unaffected, and
the model works again once created anew."""

from __future__ import annotations

import json

from lokal_helpers import STORIES_GGUF, TINY_GGUF, Api, error_of


def _model_blob(srv, name: str):
    m = json.loads((srv.models_dir / "manifests" / "registry.ollama.ai" / "library" / name / "latest").read_text())
    digest = next(l["digest"] for l in m["layers"] if l["mediaType"] == "application/vnd.ollama.image.model")
    return srv.models_dir / "blobs" / digest.replace(":", "-")


def test_flipped_bytes_are_detected_at_load(fresh_server):
    srv, api = fresh_server, Api(fresh_server.url)
    api.create("good", files={"s.gguf": api.push_blob(STORIES_GGUF)})
    api.create("bad", files={"t.gguf": api.push_blob(TINY_GGUF)})
    blob = _model_blob(srv, "bad")
    data = bytearray(blob.read_bytes())
    for off in (len(data) // 2, len(data) - 10):  # tensor data: the GGUF structure stays valid
        data[off] ^= 0xFF
    blob.write_bytes(bytes(data))

    r = api.post("/api/generate", {"model": "bad", "prompt": "hi", "stream": False})
    assert r.status_code == 500, r.text
    msg = error_of(r)
    assert "corrupted" in msg and "pull or create it again" in msg, msg
    assert str(srv.models_dir) not in msg
    r = api.post("/api/chat", {"model": "bad", "messages": [{"role": "user", "content": "hi"}], "stream": False})
    assert r.status_code == 500 and "corrupted" in error_of(r)

    out = api.generate(model="good", prompt="Once", options={"num_predict": 3})
    assert out["done"]
    assert api.show("bad")  # metadata still readable; only running it is refused

    # Recreated from the right bytes, it runs.
    assert api.delete("/api/delete", {"model": "bad"}).status_code == 200
    api.create("bad", files={"t.gguf": api.push_blob(TINY_GGUF)})
    assert api.generate(model="bad", prompt="hi", options={"num_predict": 2})["done"]
