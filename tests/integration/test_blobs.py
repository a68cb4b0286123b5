"""HEAD/POST /api/blobs/:digest: the content-addressed upload used by create."""

import hashlib
import os

import pytest

from lokal_helpers import STORIES_GGUF, Api, LokalServer, error_of


def digest_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def test_push_then_head(api):
    data = os.urandom(4096)
    d = digest_of(data)
    assert api.head(f"/api/blobs/{d}").status_code == 404
    r = api.post(f"/api/blobs/{d}", data=data)
    assert r.status_code == 201, r.text
    assert api.head(f"/api/blobs/{d}").status_code == 200


@pytest.mark.parametrize("size", [1024, 64 * 1024])
def test_push_existing_blob_again_is_ok(api, size):
    data = os.urandom(size)
    d = digest_of(data)
    assert api.post(f"/api/blobs/{d}", data=data).status_code == 201
    for _ in range(3):
        # Ollama answers 200 when it already has the blob; 201 is also fine
        assert api.post(f"/api/blobs/{d}", data=data, timeout=10).status_code in (200, 201)
        # the kept-alive connection still works: a server that answers without
        # reading the body must not leave it there to be parsed as a request
        assert api.head(f"/api/blobs/{d}", timeout=10).status_code == 200


def test_push_empty_blob(api):
    d = digest_of(b"")
    r = api.post(f"/api/blobs/{d}", data=b"")
    assert r.status_code in (200, 201), r.text
    assert api.head(f"/api/blobs/{d}").status_code == 200


def test_head_missing_blob_404(api):
    d = "sha256:" + "0" * 63 + "1"
    r = api.head(f"/api/blobs/{d}")
    assert r.status_code == 404


def test_digest_mismatch_400_and_not_stored(api):
    data = os.urandom(2048)
    claimed = digest_of(b"something else entirely")
    r = api.post(f"/api/blobs/{claimed}", data=data)
    assert r.status_code == 400
    assert "digest" in error_of(r).lower()
    # neither the claimed nor the real digest may now exist
    assert api.head(f"/api/blobs/{claimed}").status_code == 404
    assert api.head(f"/api/blobs/{digest_of(data)}").status_code == 404


@pytest.mark.parametrize("bad", [
    "sha256:abc",                                # too short
    "sha256:" + "g" * 64,                        # not hex
    "md5:" + "0" * 32,                           # wrong algorithm
    "sha256-" + "0" * 63,                        # wrong separator and length
    "0" * 64,                                    # no algorithm
    "sha256:" + "0" * 64 + "0",                  # too long
])
def test_bad_digest_400(api, bad):
    r = api.post(f"/api/blobs/{bad}", data=b"x")
    assert r.status_code == 400, f"POST {bad}: {r.status_code} {r.text[:200]}"
    error_of(r)
    r = api.head(f"/api/blobs/{bad}")
    assert r.status_code == 400, f"HEAD {bad}: {r.status_code}"


def test_path_traversal_digest_rejected(api, server):
    for bad in ("sha256:..%2F..%2F..%2Fetc%2Fpasswd", "..%2F..%2Fmanifests", "sha256:%2E%2E"):
        r = api.post(f"/api/blobs/{bad}", data=b"owned")
        assert r.status_code in (400, 404), f"POST {bad}: {r.status_code}"
    # nothing was written outside the blobs directory
    written = [p for p in server.workdir.rglob("*")
               if p.is_file() and p.stat().st_size == 5 and p.read_bytes() == b"owned"]
    assert not written, f"a rejected upload was stored: {written}"


def test_large_blob_streams(api):
    # 64 MiB: must be streamed to disk, not rejected or buffered into a crash
    block = os.urandom(1 << 20)
    h = hashlib.sha256()
    for _ in range(64):
        h.update(block)
    d = "sha256:" + h.hexdigest()

    def body():
        for _ in range(64):
            yield block

    r = api.post(f"/api/blobs/{d}", data=body(), timeout=300)
    assert r.status_code == 201, r.text
    assert api.head(f"/api/blobs/{d}").status_code == 200


@pytest.mark.parametrize("keep", [None, "LOKAL_NOPRUNE", "OLLAMA_NOPRUNE"])
def test_startup_prunes_blobs_no_model_uses(binary, tmp_path, keep):
    # As Ollama: blobs left by an upload no create used are gone after a
    # restart, a model's blobs stay; LOKAL_NOPRUNE (or OLLAMA_NOPRUNE) keeps all.
    srv = LokalServer(binary, tmp_path, {keep: "1"} if keep else {})
    srv.start()
    try:
        api = Api(srv.url)
        api.create("stories", files={"m.gguf": api.push_blob(STORIES_GGUF)})
        orphan = os.urandom(2048)
        assert api.post(f"/api/blobs/{digest_of(orphan)}", data=orphan).status_code == 201
        srv.stop()
        srv.start()
        api = Api(srv.url)  # a new port
        assert api.head(f"/api/blobs/{digest_of(orphan)}").status_code == (200 if keep else 404)
        assert api.post("/api/generate", {"model": "stories", "prompt": "Once", "stream": False,
                                          "options": {"num_predict": 2}}).status_code == 200
        if not keep:
            assert "pruned 1 unused blob(s), 2.0 KiB" in srv.log_path.read_text()
    finally:
        srv.stop()
