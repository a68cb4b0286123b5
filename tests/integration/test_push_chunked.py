"""/api/push against the real registry (docker-registry) through a recording
proxy: large blobs go up in PATCH chunks with contiguous Content-Ranges and
a closing PUT ?digest=, small ones in one PUT; a blob another local model
pulled from (or pushed to) the same registry is mounted across repositories
instead of uploaded; what goes up comes back byte for byte."""

from __future__ import annotations

import json
import random
from urllib.parse import parse_qs, urlsplit

from gguf_write import with_extra_u32
from lokal_helpers import STORIES_GGUF, Api
from registry_fixture import registry  # noqa: F401  (fixture)
from test_pull_resume import lokal, proxies  # noqa: F401  (fixtures)

CHUNK = 256 * 1024


def _statuses(items):
    assert not [i for i in items if "error" in i], items[-3:]
    return [i["status"] for i in items]


def _manifest(srv, name: str) -> dict:
    host, ns, rest = name.split("/")
    model, tag = rest.split(":")
    return json.loads((srv.models_dir / "manifests" / host / ns / model / tag).read_bytes())


def _upload_requests(proxy, method: str):
    return [(p, h) for m, p, h in proxy.requests if m == method and "/blobs/uploads/" in p]


def test_chunked_push_then_mount_then_pull_back(registry, lokal, proxies, tmp_path):  # noqa: F811
    proxy = proxies(registry, rate=256 << 20)
    srv = lokal(tmp_path / "a", {"LOKAL_PUSH_CHUNK_SIZE": str(CHUNK)})
    api = Api(srv.url)
    name = f"{proxy.host}/library/chunky:v1"
    api.create(name, files={"stories260K.gguf": api.push_blob(STORIES_GGUF)}, system="Tiny stories.")
    manifest = _manifest(srv, name)
    model_digest = manifest["layers"][0]["digest"]
    size = STORIES_GGUF.stat().st_size

    r, items = api.stream("/api/push", {"model": name, "insecure": True})
    assert r.status_code == 200, r.text[:300]
    statuses = _statuses(items)
    assert statuses[0] == "retrieving manifest" and statuses[-2:] == ["pushing manifest", "success"]
    progress = [i for i in items if i.get("digest") == model_digest]
    assert all(i["status"] == f"pushing {model_digest[7:19]}" and i["total"] == size for i in progress)
    done = [i.get("completed", 0) for i in progress]
    # Never backwards; updates in between are throttled (100 ms), so a fast upload may show only the ends.
    assert done == sorted(done) and done[-1] == size

    # The model layer went up in contiguous chunks, then one PUT without a body.
    ranges = [h.get("Content-Range") for _p, h in _upload_requests(proxy, "PATCH")]
    assert ranges == [f"{o}-{min(o + CHUNK, size) - 1}" for o in range(0, size, CHUNK)], ranges
    puts = _upload_requests(proxy, "PUT")
    closing = [h for p, h in puts if parse_qs(urlsplit(p).query).get("digest") == [model_digest]]
    assert len(closing) == 1 and int(closing[0].get("Content-Length", "0")) == 0
    # Small blobs (config, system) went up whole.
    assert len(puts) == 1 + len(manifest["layers"])
    assert registry.blob_data(model_digest).read_bytes() == STORIES_GGUF.read_bytes()

    # The same model under another repository: every blob is mounted, nothing uploaded.
    proxy.reset_counts()
    other = f"{proxy.host}/team/copy:v2"
    assert api.post("/api/copy", {"source": name, "destination": other}).status_code == 200
    r, items = api.stream("/api/push", {"model": other, "insecure": True})
    assert r.status_code == 200, r.text[:300]
    assert _statuses(items)[-1] == "success"
    posts = [parse_qs(urlsplit(p).query) for p, _h in _upload_requests(proxy, "POST")]
    assert len(posts) == 1 + len(manifest["layers"])
    assert all(q.get("from") == ["library/chunky"] and q.get("mount") for q in posts), posts
    assert not _upload_requests(proxy, "PATCH") and not _upload_requests(proxy, "PUT")
    assert [i for i in items if i.get("digest") == model_digest][-1]["completed"] == size

    # Pulled back into an empty store, the mounted copy is byte for byte the original.
    srv2 = lokal(tmp_path / "b", {})
    api2 = Api(srv2.url)
    r = api2.post("/api/pull", {"model": other, "insecure": True, "stream": False})
    assert r.status_code == 200, r.text[:300]
    got = srv2.models_dir / "blobs" / model_digest.replace(":", "-")
    assert got.read_bytes() == STORIES_GGUF.read_bytes()
    assert _manifest(srv2, other) == manifest


def test_interrupted_chunked_push_resumes_after_a_restart(registry, lokal, proxies, tmp_path):  # noqa: F811
    """A chunked upload cut off after two chunks, then lokal killed: the next
    push asks the registry where the upload stands (GET on its Location) and
    sends only the rest, and the registry ends up with the exact blob."""
    proxy = proxies(registry, rate=256 << 20)
    srv = lokal(tmp_path / "a", {"LOKAL_PUSH_CHUNK_SIZE": str(CHUNK)})
    api = Api(srv.url)
    name = f"{proxy.host}/library/resumable:v1"
    gguf = tmp_path / "unique.gguf"  # a blob the registry has not seen in this session
    with_extra_u32(STORIES_GGUF, gguf, "lokal.test.nonce", random.getrandbits(32))
    api.create(name, files={"unique.gguf": api.push_blob(gguf)})
    model_digest = _manifest(srv, name)["layers"][0]["digest"]
    size = gguf.stat().st_size
    assert size > 3 * CHUNK

    proxy.fail_patch_after = 2
    r, items = api.stream("/api/push", {"model": name, "insecure": True})
    assert r.status_code == 200 and "error" in items[-1], items[-3:]
    assert not [s for s in items if s.get("status") == "success"]
    assert not registry.blob_data(model_digest).exists()

    srv.proc.kill()  # SIGKILL: only what is on disk survives
    srv.proc.wait(timeout=15)
    srv = lokal(tmp_path / "a", {"LOKAL_PUSH_CHUNK_SIZE": str(CHUNK)})
    api = Api(srv.url)
    proxy.reset_counts()
    r, items = api.stream("/api/push", {"model": name, "insecure": True})
    assert r.status_code == 200 and items[-1] == {"status": "success"}, items[-3:]
    assert [m for m, p, _h in proxy.requests if m == "GET" and "/blobs/uploads/" in p], "upload status not asked"
    ranges = [h.get("Content-Range") for _p, h in _upload_requests(proxy, "PATCH")]
    assert ranges == [f"{o}-{min(o + CHUNK, size) - 1}" for o in range(2 * CHUNK, size, CHUNK)], ranges
    progress = [i.get("completed", 0) for i in items if i.get("digest") == model_digest]
    assert progress[0] == 2 * CHUNK and progress[-1] == size, progress
    assert registry.blob_data(model_digest).read_bytes() == gguf.read_bytes()
    assert not list((srv.models_dir / "uploads").iterdir()), "finished uploads leave no state"
