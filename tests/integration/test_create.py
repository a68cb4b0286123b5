"""POST /api/create: from pushed files, from an existing model, with
parameters/system/template/messages/license; bad input is refused cleanly."""

import hashlib
import json
import os

import pytest

from lokal_helpers import MMPROJ_GGUF, STORIES_GGUF, error_of, find_model


@pytest.fixture(autouse=True)
def _blob_stays(stories):
    """Deleting a model prunes the blobs no other manifest uses, as Ollama
    does; the session's stories model keeps the uploaded stories blob
    referenced, so the tests here that delete what they created do not take
    it away from the next ones (run alone, nothing else would hold it)."""


def test_create_streams_progress_ending_in_success(api, stories_digest):
    r, items = api.stream("/api/create", {
        "model": "stories-streamed",
        "files": {"stories260K.gguf": stories_digest},
    })
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/x-ndjson")
    assert items, "no progress lines"
    assert all(isinstance(i.get("status"), str) for i in items), items
    assert items[-1] == {"status": "success"}, items[-1]
    assert not any("error" in i for i in items), items
    assert find_model(api.tags(), "stories-streamed") is not None
    api.delete("/api/delete", {"model": "stories-streamed"})


def test_create_not_streamed_returns_success(api, stories_digest):
    r = api.post("/api/create", {
        "model": "stories-once", "files": {"stories260K.gguf": stories_digest}, "stream": False})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "success"
    assert find_model(api.tags(), "stories-once") is not None
    api.delete("/api/delete", {"model": "stories-once"})


def test_create_from_existing_model(api, stories):
    api.create("stories-narrator", **{"from": stories}, system="You are a narrator.",
               parameters={"num_predict": 3})
    s = api.show("stories-narrator")
    assert s["system"] == "You are a narrator."
    assert s["model_info"] == api.show(stories)["model_info"]
    base = find_model(api.tags(), stories)
    new = find_model(api.tags(), "stories-narrator")
    assert new["digest"] != base["digest"], "a model with a different system must have its own manifest"
    # it inherited the weights and has its own default
    g = api.generate(model="stories-narrator", prompt="Once upon a time")
    assert g["eval_count"] == 3 and g["done_reason"] == "length"
    # the base model kept no trace of the derived model's settings
    assert not api.show(stories).get("system")


def test_create_from_existing_keeps_base_settings(api, stories_digest):
    api.create("stories-base-params", files={"stories260K.gguf": stories_digest},
               system="Base system.", parameters={"num_predict": 4, "temperature": 0})
    api.create("stories-derived", **{"from": "stories-base-params"}, parameters={"num_predict": 6})
    s = api.show("stories-derived")
    assert s["system"] == "Base system."
    assert "num_predict" in s["parameters"] and "6" in s["parameters"]
    g = api.generate(model="stories-derived", prompt="Once upon a time")
    assert g["eval_count"] == 6


def test_create_with_messages(api, stories_digest):
    msgs = [{"role": "user", "content": "Tell me a story."},
            {"role": "assistant", "content": "Once upon a time there was a cat."}]
    api.create("stories-msgs", files={"stories260K.gguf": stories_digest}, messages=msgs)
    s = api.show("stories-msgs")
    got = [{"role": m["role"], "content": m["content"]} for m in s.get("messages") or []]
    assert got == msgs, s.get("messages")
    assert "MESSAGE user" in s["modelfile"] and "MESSAGE assistant" in s["modelfile"], s["modelfile"]


def test_create_with_license_list(api, stories_digest):
    api.create("stories-lic", files={"stories260K.gguf": stories_digest},
               license=["License one", "License two"])
    lic = api.show("stories-lic")["license"]
    text = "\n".join(lic) if isinstance(lic, list) else lic
    assert "License one" in text and "License two" in text, lic


def test_recreate_replaces_settings(api, stories_digest):
    api.create("stories-redo", files={"stories260K.gguf": stories_digest}, system="first")
    api.create("stories-redo", files={"stories260K.gguf": stories_digest}, system="second")
    assert api.show("stories-redo")["system"] == "second"
    assert sum(1 for m in api.tags() if m["name"] == "stories-redo:latest") == 1


def test_create_bad_gguf_blob_is_4xx_and_not_listed(api):
    data = b"this is not a GGUF file at all\n" * 64
    d = "sha256:" + hashlib.sha256(data).hexdigest()
    assert api.post(f"/api/blobs/{d}", data=data).status_code == 201
    r = api.post("/api/create", {"model": "not-a-model", "files": {"junk.gguf": d}, "stream": False})
    assert 400 <= r.status_code < 500, f"HTTP {r.status_code}: {r.text[:300]}"
    assert error_of(r)
    assert find_model(api.tags(), "not-a-model") is None


def test_create_truncated_gguf_is_4xx(api):
    # right magic and header, but the file stops in the middle of the metadata
    data = STORIES_GGUF.read_bytes()[:3000]
    d = "sha256:" + hashlib.sha256(data).hexdigest()
    # Refused at upload already (the GGUF pre-validator; Ollama takes it and fails at create).
    up = api.post(f"/api/blobs/{d}", data=data)
    assert up.status_code == 400 and "invalid GGUF file: truncated" in error_of(up)
    r = api.post("/api/create", {"model": "truncated", "files": {"t.gguf": d}, "stream": False})
    assert 400 <= r.status_code < 500, f"HTTP {r.status_code}: {r.text[:300]}"
    assert error_of(r)
    assert find_model(api.tags(), "truncated") is None


def test_create_hostile_gguf_header_is_4xx(api):
    # GGUF v3 claiming 2^62 metadata entries and a 2^60-byte key
    data = b"GGUF" + (3).to_bytes(4, "little") + (0).to_bytes(8, "little") + \
        (1 << 62).to_bytes(8, "little") + (1 << 60).to_bytes(8, "little") + os.urandom(64)
    d = "sha256:" + hashlib.sha256(data).hexdigest()
    up = api.post(f"/api/blobs/{d}", data=data)
    assert up.status_code == 400 and "invalid GGUF file" in error_of(up)
    r = api.post("/api/create", {"model": "hostile", "files": {"h.gguf": d}, "stream": False})
    assert 400 <= r.status_code < 500, f"HTTP {r.status_code}: {r.text[:300]}"
    assert find_model(api.tags(), "hostile") is None


def test_create_unknown_blob_400(api):
    d = "sha256:" + "ab" * 32
    r = api.post("/api/create", {"model": "ghost", "files": {"ghost.gguf": d}, "stream": False})
    assert r.status_code == 400, f"HTTP {r.status_code}: {r.text[:300]}"
    assert error_of(r)
    assert find_model(api.tags(), "ghost") is None


def test_create_bad_digest_format_400(api):
    r = api.post("/api/create", {"model": "ghost", "files": {"ghost.gguf": "not-a-digest"}, "stream": False})
    assert r.status_code == 400, r.text
    error_of(r)


def test_create_file_path_must_be_relative(api, stories_digest):
    r = api.post("/api/create", {"model": "abs", "files": {"/etc/passwd": stories_digest}, "stream": False})
    assert r.status_code == 400, r.text
    r = api.post("/api/create", {"model": "dots", "files": {"../up.gguf": stories_digest}, "stream": False})
    assert r.status_code == 400, r.text


def test_create_invalid_name_400(api, stories_digest):
    for name in ("bad name!", "", "../escape", "a" * 400):
        r = api.post("/api/create", {"model": name, "files": {"s.gguf": stories_digest}, "stream": False})
        assert r.status_code == 400, f"name {name[:20]!r}: HTTP {r.status_code} {r.text[:200]}"
        error_of(r)


def test_create_without_from_or_files_400(api):
    r = api.post("/api/create", {"model": "empty", "stream": False})
    assert r.status_code == 400, r.text
    error_of(r)
    assert find_model(api.tags(), "empty") is None


def test_create_from_missing_model_fails(api):
    # Missing locally, it is pulled first (as Ollama does): 404 from a registry
    # that lacks it, 503 on a machine that cannot reach registry.ollama.ai.
    r = api.post("/api/create", {"model": "orphan", "from": "no-such-model", "stream": False})
    assert r.status_code in (404, 503), f"HTTP {r.status_code}: {r.text[:300]}"
    assert error_of(r)
    assert find_model(api.tags(), "orphan") is None


def test_create_bad_parameter_value_400(api, stories_digest):
    r = api.post("/api/create", {"model": "badparam", "files": {"s.gguf": stories_digest},
                                 "parameters": {"temperature": "hot"}, "stream": False})
    assert r.status_code == 400, f"HTTP {r.status_code}: {r.text[:300]}"
    assert find_model(api.tags(), "badparam") is None


def test_create_with_projector_is_vision(api, gemma_digest, gemma_base):
    # gemma_base keeps the uploaded Gemma blob referenced after the delete below
    # a text model plus a CLIP projector: Ollama reports the vision capability
    pd = api.push_blob(MMPROJ_GGUF)
    r = api.post("/api/create", {"model": "gemma3-vision", "stream": False,
                                 "files": {"model.gguf": gemma_digest, "mmproj.gguf": pd}})
    assert r.status_code == 200, r.text
    s = api.show("gemma3-vision")
    assert "vision" in s["capabilities"], s["capabilities"]
    assert "completion" in s["capabilities"]
    assert s["model_info"]["general.architecture"] == "gemma3"
    api.delete("/api/delete", {"model": "gemma3-vision"})
