"""Pull robustness against the real registry (docker-registry), through a
slow counting proxy (registry_proxy.py): a pull killed with SIGKILL resumes
where it stopped after a restart (fewer bytes than the blob go over the wire)
and never leaves a manifest pointing at a missing or partial blob; large
blobs come in several concurrent byte ranges; a server that ignores Range
is downloaded again cleanly; startup removes partials that cannot be resumed."""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import threading
import time
from pathlib import Path

import pytest
import requests

from lokal_helpers import Api, find_model
from registry_fixture import EnvServer, publish, registry  # noqa: F401  (fixture)
from registry_proxy import RegistryProxy

MIB = 1 << 20


def _sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@pytest.fixture
def lokal(binary):
    started = []

    def start(work: Path, env: dict) -> EnvServer:
        work.mkdir(exist_ok=True)
        srv = EnvServer(binary, work, env)
        srv.start()
        started.append(srv)
        return srv

    yield start
    for srv in started:
        srv.stop()


@pytest.fixture
def proxies():
    made = []

    def make(reg, **kw) -> RegistryProxy:
        p = RegistryProxy(f"http://{reg.host}", **kw)
        made.append(p)
        return p

    yield make
    for p in made:
        p.close()


def _blobs(srv) -> Path:
    return srv.models_dir / "blobs"


def _partial_done(srv, digest: str) -> int:
    state = _blobs(srv) / (digest.replace(":", "-") + ".partial.json")
    try:
        return sum(p[2] for p in json.loads(state.read_text())["parts"])
    except (OSError, ValueError, KeyError):
        return 0


def _pull_in_background(srv, name: str) -> threading.Thread:
    def run():
        try:
            with requests.post(srv.url + "/api/pull", json={"model": name, "insecure": True}, stream=True,
                               timeout=120) as r:
                for _ in r.iter_lines():
                    pass
        except requests.RequestException:
            pass  # the server is killed under it

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


def _leftovers(srv) -> list[str]:
    return sorted(p.name for p in _blobs(srv).iterdir() if "partial" in p.name or p.name.startswith(".lokal-tmp"))


@pytest.mark.parametrize("parts", [1, 4])
def test_killed_pull_resumes(registry, lokal, proxies, tmp_path, parts):  # noqa: F811
    model = random.Random(parts).randbytes(6 * MIB)
    manifest = publish(registry, f"library/big{parts}", "v1", model)
    digest = manifest["layers"][0]["digest"]
    proxy = proxies(registry, rate=MIB // parts)  # about 1 MiB/s over all parts
    env = {"LOKAL_PULL_PARTS": str(parts), "LOKAL_PULL_PART_SIZE": str(MIB)}
    work = tmp_path / "srv"
    srv = lokal(work, env)
    name = f"{proxy.host}/library/big{parts}:v1"

    _pull_in_background(srv, name)
    deadline = time.monotonic() + 60
    while _partial_done(srv, digest) < 2 * MIB and time.monotonic() < deadline:
        time.sleep(0.05)
    recorded = _partial_done(srv, digest)
    assert recorded >= 2 * MIB, "the partial download never recorded progress\n" + srv.log_tail()
    os.kill(srv.proc.pid, signal.SIGKILL)
    srv.proc.wait(10)

    # Killed mid-pull: no manifest, no blob under its final name, the partial kept.
    assert not list((srv.models_dir / "manifests").rglob("v1"))
    assert not (_blobs(srv) / digest.replace(":", "-")).exists()
    assert (_blobs(srv) / (digest.replace(":", "-") + ".partial")).exists()

    proxy.reset_counts()
    srv = lokal(work, env)
    api = Api(srv.url)
    r, items = api.stream("/api/pull", {"model": name, "insecure": True})
    assert r.status_code == 200, r.text[:300]
    assert not [i for i in items if "error" in i], items[-3:]
    statuses = [i["status"] for i in items]
    assert statuses[0] == "pulling manifest"
    assert statuses[-3:] == ["verifying sha256 digest", "writing manifest", "success"]
    layer = [i for i in items if i.get("digest") == digest]
    assert layer[0]["status"] == f"pulling {digest[7:19]}" and layer[0]["total"] == len(model)
    assert layer[0]["completed"] >= recorded  # the resumed bytes are reported as done
    assert layer[-1]["completed"] == len(model)

    # Only what was missing went over the wire, in ranges.
    assert proxy.blob_bytes <= len(model) - recorded + 4096, (proxy.blob_bytes, recorded)
    assert any(rg.startswith("bytes=") for rg in proxy.ranges)
    assert (_blobs(srv) / digest.replace(":", "-")).read_bytes() == model
    assert _leftovers(srv) == []
    assert find_model(api.tags(), name)
    # The manifest is stored as the registry's bytes (Python's formatting here).
    stored = srv.models_dir / "manifests" / proxy.host / "library" / f"big{parts}" / "v1"
    assert stored.read_bytes() == json.dumps(manifest).encode()


def test_large_blob_comes_in_parallel_ranges(registry, lokal, proxies, tmp_path):  # noqa: F811
    model = random.Random(11).randbytes(2 * MIB)
    manifest = publish(registry, "library/ranged", "v1", model)
    proxy = proxies(registry, rate=2 * MIB)
    srv = lokal(tmp_path / "srv", {"LOKAL_PULL_PARTS": "4", "LOKAL_PULL_PART_SIZE": str(256 * 1024)})
    api = Api(srv.url)
    r = api.post("/api/pull", {"model": f"{proxy.host}/library/ranged:v1", "insecure": True, "stream": False})
    assert r.status_code == 200, r.text[:300]
    assert r.json() == {"status": "success"}
    ranges = sorted(rg for rg in proxy.ranges if rg)
    step = len(model) // 4
    assert ranges == sorted(f"bytes={i * step}-{(i + 1) * step - 1}" for i in range(4)), ranges
    assert proxy.max_in_flight >= 2
    digest = manifest["layers"][0]["digest"]
    assert (_blobs(srv) / digest.replace(":", "-")).read_bytes() == model
    assert _leftovers(srv) == []


def test_server_ignoring_range_is_downloaded_again_cleanly(registry, lokal, proxies, tmp_path):  # noqa: F811
    model = random.Random(12).randbytes(MIB)
    manifest = publish(registry, "library/norange", "v1", model)
    digest = manifest["layers"][0]["digest"]
    proxy = proxies(registry, rate=8 * MIB, ignore_range=True)
    work = tmp_path / "srv"
    # A partial left by an earlier run: its first half recorded as fetched, but filled with junk.
    blobs = work / "models" / "blobs"
    blobs.mkdir(parents=True)
    stem = digest.replace(":", "-")
    (blobs / f"{stem}.partial").write_bytes(b"\xee" * len(model))
    (blobs / f"{stem}.partial.json").write_text(json.dumps(
        {"digest": digest, "size": len(model), "parts": [[0, len(model), len(model) // 2]]}))
    srv = lokal(work, {})
    api = Api(srv.url)
    r = api.post("/api/pull", {"model": f"{proxy.host}/library/norange:v1", "insecure": True, "stream": False})
    assert r.status_code == 200, r.text[:300]
    assert proxy.ranges[0].startswith("bytes=")  # it asked to resume; the server sent everything
    assert (blobs / stem).read_bytes() == model
    assert _leftovers(srv) == []


def _state(digest: str, size: int, done: int) -> str:
    return json.dumps({"digest": digest, "size": size, "parts": [[0, size, done]]})


def test_startup_removes_stale_partials(lokal, tmp_path):
    work = tmp_path / "srv"
    blobs = work / "models" / "blobs"
    blobs.mkdir(parents=True)
    d = ["sha256:" + hashlib.sha256(bytes([i])).hexdigest() for i in range(6)]
    stem = [x.replace(":", "-") for x in d]
    # 0: valid and recent -> kept
    (blobs / f"{stem[0]}.partial").write_bytes(b"\0" * 100)
    (blobs / f"{stem[0]}.partial.json").write_text(_state(d[0], 100, 10))
    # 1: data without state; 2: state without data
    (blobs / f"{stem[1]}.partial").write_bytes(b"\0" * 100)
    (blobs / f"{stem[2]}.partial.json").write_text(_state(d[2], 100, 10))
    # 3: state that does not match its data (size), 4: unreadable state
    (blobs / f"{stem[3]}.partial").write_bytes(b"\0" * 50)
    (blobs / f"{stem[3]}.partial.json").write_text(_state(d[3], 100, 10))
    (blobs / f"{stem[4]}.partial").write_bytes(b"\0" * 100)
    (blobs / f"{stem[4]}.partial.json").write_text("{not json")
    # 5: untouched for 8 days
    (blobs / f"{stem[5]}.partial").write_bytes(b"\0" * 100)
    old = blobs / f"{stem[5]}.partial.json"
    old.write_text(_state(d[5], 100, 10))
    past = time.time() - 8 * 24 * 3600
    os.utime(old, (past, past))
    lokal(work, {})
    assert _leftovers_in(blobs) == [f"{stem[0]}.partial", f"{stem[0]}.partial.json"]


def _leftovers_in(blobs: Path) -> list[str]:
    return sorted(p.name for p in blobs.iterdir() if "partial" in p.name)


def test_startup_removes_partial_of_a_finished_blob(lokal, tmp_path):
    work = tmp_path / "srv"
    blobs = work / "models" / "blobs"
    blobs.mkdir(parents=True)
    data = b"finished"
    stem = _sha(data).replace(":", "-")
    (blobs / stem).write_bytes(data)
    (blobs / f"{stem}.partial").write_bytes(b"\0" * len(data))
    (blobs / f"{stem}.partial.json").write_text(_state(_sha(data), len(data), 3))
    lokal(work, {"LOKAL_NOPRUNE": "1"})  # no manifest uses the blob: pruning would take it too
    assert _leftovers_in(blobs) == []
    assert (blobs / stem).read_bytes() == data
