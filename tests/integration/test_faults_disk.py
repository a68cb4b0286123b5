"""A full disk: a small tmpfs as the models folder, then as the data folder.
The client gets a clear "no space left on device" error, no temporary file is
left, the server keeps serving, and the same request succeeds once space is
freed; a pull from the real registry (docker-registry) keeps what it fetched
and resumes from there. Needs root (mount); skipped with the reason otherwise."""

from __future__ import annotations

import json
import os
import random
import subprocess
from pathlib import Path

import pytest

from fault_helpers import check_store, integrity, temp_files
from lokal_helpers import STORIES_GGUF, TINY_GGUF, Api, LokalServer, error_of, find_model
from registry_fixture import publish, registry  # noqa: F401  (fixture)

MIB = 1 << 20


@pytest.fixture
def tmpfs(tmp_path):
    mounted = []

    def mount(path: Path, size: str) -> Path:
        path.mkdir(parents=True, exist_ok=True)
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                           capture_output=True, text=True)
        if r.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here ({r.stderr.strip() or r.returncode}): full-disk tests NOT run")
        mounted.append(path)
        return path

    yield mount
    for p in reversed(mounted):
        subprocess.run(["umount", "-l", str(p)], capture_output=True)


def fill(folder: Path, leave: int) -> Path:
    """Fills the filesystem of folder until about `leave` bytes are free."""
    st = os.statvfs(folder)
    free = st.f_bavail * st.f_frsize
    filler = folder / f"filler-{len(list(folder.glob('filler-*')))}"
    with open(filler, "wb") as f:
        f.write(b"\0" * max(0, free - leave))
    return filler


def test_models_folder_full(binary, tmp_path, tmpfs):
    srv = LokalServer(binary, tmp_path)
    tmpfs(srv.models_dir, "6m")
    srv.start()
    try:
        api = Api(srv.url)
        api.create("stories", files={"s.gguf": api.push_blob(STORIES_GGUF)})
        filler = fill(srv.models_dir, MIB)
        # A blob upload that does not fit.
        digest = "sha256:" + __import__("hashlib").sha256(TINY_GGUF.read_bytes()).hexdigest()
        r = api.post(f"/api/blobs/{digest}", data=TINY_GGUF.read_bytes())
        assert r.status_code == 507, r.text
        assert "no space left on device" in error_of(r)
        assert str(srv.models_dir) not in error_of(r)  # no server paths
        assert temp_files(srv.models_dir) == []
        assert api.head(f"/api/blobs/{digest}").status_code == 404
        # A create that writes a new model file (quantization) and does not fit.
        filler2 = fill(srv.models_dir, 64 * 1024)
        r = api.post("/api/create", {"model": "q", "from": "stories", "quantize": "q8_0", "stream": False})
        assert r.status_code == 507, r.text
        assert "no space left on device" in error_of(r)
        assert temp_files(srv.models_dir) == []
        # Still serving.
        assert api.generate(model="stories", prompt="Once", options={"num_predict": 3})["done"]
        filler.unlink()
        filler2.unlink()
        assert api.push_blob(TINY_GGUF) == digest
        api.create("q", **{"from": "stories", "quantize": "q8_0"})
        assert sorted(check_store(srv.models_dir)) == ["registry.ollama.ai/library/q/latest",
                                                       "registry.ollama.ai/library/stories/latest"]
    finally:
        srv.stop()


def test_data_folder_full(binary, tmp_path, tmpfs):
    srv = LokalServer(binary, tmp_path)
    data = tmpfs(srv.home / ".lokal", "4m")
    srv.start()
    try:
        api = Api(srv.url)
        api.create("stories", files={"s.gguf": api.push_blob(STORIES_GGUF)})
        chat = api.post("/lokal/api/chats", {"title": "before"}).json()
        filler = fill(data, 0)
        big = "x" * (256 * 1024)
        r = api.post(f"/lokal/api/chats/{chat['id']}/messages", {"messages": [{"role": "user", "content": big}]})
        assert r.status_code == 507, r.text
        assert "no space left on device" in error_of(r)
        # Management routes: recorded while the log's last page has room, then
        # refused with a clear error; never done and left unrecorded.
        audit = data / "audit.log"
        for i in range(100):
            before = audit.read_text().count("\n")
            r = api.post("/api/copy", {"source": "stories", "destination": f"copy{i}"})
            if r.status_code != 200:
                break
            assert audit.read_text().count("\n") == before + 1
        assert r.status_code == 500 and "audit log" in error_of(r), r.text
        # Inference does not need the data folder.
        assert api.generate(model="stories", prompt="Once", options={"num_predict": 3})["done"]
        filler.unlink()
        r = api.post(f"/lokal/api/chats/{chat['id']}/messages", {"messages": [{"role": "user", "content": big}]})
        assert r.status_code == 201, r.text
        assert api.post("/api/copy", {"source": "stories", "destination": "copy2"}).status_code == 200
        assert integrity(data / "lokal.db") == "ok"
    finally:
        srv.stop()


def _recorded(blob: Path) -> int:
    """Bytes a partial download has recorded as fetched (0 without one)."""
    try:
        return sum(p[2] for p in json.loads(blob.with_name(blob.name + ".partial.json").read_text())["parts"])
    except (OSError, ValueError, KeyError):
        return 0


def test_pull_into_a_full_models_folder(binary, tmp_path, tmpfs, registry):  # noqa: F811
    model = random.Random(21).randbytes(3 * MIB)
    digest = publish(registry, "library/fullpull", "v1", model)["layers"][0]["digest"]
    srv = LokalServer(binary, tmp_path, {"LOKAL_PULL_PARTS": "1"})
    tmpfs(srv.models_dir, "8m")
    srv.start()
    try:
        api = Api(srv.url)
        api.create("stories", files={"s.gguf": api.push_blob(STORIES_GGUF)})
        filler = fill(srv.models_dir, MIB + 512 * 1024)  # room for half the model
        name = f"{registry.host}/library/fullpull:v1"
        body = {"model": name, "insecure": True}
        r = api.post("/api/pull", {**body, "stream": False})
        assert r.status_code == 507, r.text
        assert error_of(r) == "no space left on device: the models folder (LOKAL_MODELS) is full"
        # Streamed, the same error ends the stream (the status line went out first).
        r, items = api.stream("/api/pull", body)
        assert r.status_code == 200 and list(items[-1]) == ["error"], items[-3:]
        assert items[-1]["error"] == "no space left on device: the models folder (LOKAL_MODELS) is full"
        # Nothing half-made is visible: no manifest, no blob under its final name;
        # the partial download is kept, with what it fetched, to resume.
        blob = srv.models_dir / "blobs" / digest.replace(":", "-")
        assert not blob.exists() and not find_model(api.tags(), name)
        kept = _recorded(blob)
        assert 0 < kept < len(model), kept
        assert temp_files(srv.models_dir) == []
        # Still serving, from the full folder.
        assert api.generate(model="stories", prompt="Once", options={"num_predict": 3})["done"]
        assert api.post("/api/show", {"model": "stories"}).status_code == 200
        filler.unlink()
        r, items = api.stream("/api/pull", body)
        assert r.status_code == 200 and items[-1] == {"status": "success"}, items[-3:]
        layer = [i for i in items if i.get("digest") == digest]
        assert layer[0]["completed"] >= kept  # resumed, not started over
        assert blob.read_bytes() == model
        assert find_model(api.tags(), name)
        assert sorted(check_store(srv.models_dir)) == [f"{registry.host}/library/fullpull/v1",
                                                       "registry.ollama.ai/library/stories/latest"]
        assert not list(srv.models_dir.glob("blobs/*partial*"))
    finally:
        srv.stop()
