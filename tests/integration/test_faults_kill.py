"""SIGKILL of the server in the middle of a blob upload, a create (with
quantization, the longest write), a pull and chat-history writes, at
several points: after a restart the store is consistent (no temporary file,
no manifest pointing at a missing or partial blob), the database passes
PRAGMA integrity_check, and the operation then succeeds."""

from __future__ import annotations

import hashlib
import random
import threading
import time

import pytest
import requests

from fault_helpers import check_store, integrity, kill, raw_request, temp_files
from lokal_helpers import STORIES_GGUF, TINY_GGUF, Api, LokalServer
from registry_fixture import publish, registry  # noqa: F401  (fixture)
from registry_proxy import RegistryProxy

MIB = 1 << 20


def _start(binary, work) -> tuple[LokalServer, Api]:
    srv = LokalServer(binary, work)
    srv.start()
    return srv, Api(srv.url)


def _restart(srv: LokalServer) -> Api:
    srv.start()
    return Api(srv.url)


def _wait_for(pred, timeout=20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.01)
    return False


def test_kill_during_blob_upload(binary, tmp_path):
    srv, api = _start(binary, tmp_path)
    data = STORIES_GGUF.read_bytes()
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    blob = srv.models_dir / "blobs" / digest.replace(":", "-")
    head = (f"POST /api/blobs/{digest} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {len(data)}\r\n"
            "Content-Type: application/octet-stream\r\n\r\n")
    for sent in (0, len(data) // 2, len(data) - 1):  # headers only, half the body, all but one byte
        sock = raw_request(srv.port, head, data[:sent])
        if sent:
            assert _wait_for(lambda: temp_files(srv.models_dir)), "the upload never reached the disk"
        else:
            time.sleep(0.2)
        kill(srv)
        sock.close()
        api = _restart(srv)
        check_store(srv.models_dir)  # the restart removed the temporary file
        assert not blob.exists()
        assert api.head(f"/api/blobs/{digest}").status_code == 404
    assert api.push_blob(STORIES_GGUF) == digest
    assert blob.read_bytes() == data
    api.create("after", files={"m.gguf": digest})
    assert check_store(srv.models_dir) == ["registry.ollama.ai/library/after/latest"]
    srv.stop()


def test_kill_during_create(binary, tmp_path):
    srv, api = _start(binary, tmp_path)
    digest = api.push_blob(TINY_GGUF)
    api.create("base", files={"t.gguf": digest})
    body = {"model": "quant", "from": "base", "quantize": "q4_0"}
    for delay in (0.0, 0.15, 0.4):
        t = threading.Thread(target=lambda: _swallow(lambda: api.stream("/api/create", body)), daemon=True)
        t.start()
        time.sleep(delay)
        kill(srv)
        t.join(10)
        api = _restart(srv)
        found = check_store(srv.models_dir)
        assert "registry.ollama.ai/library/base/latest" in found
    r, items = api.stream("/api/create", body)
    assert items[-1] == {"status": "success"}, items[-3:]
    assert api.show("quant")["details"]["quantization_level"] == "Q4_0"
    check_store(srv.models_dir)
    srv.stop()


def _swallow(fn):
    try:
        fn()
    except requests.RequestException:
        pass  # the server is killed under it


def test_kill_during_pull(binary, tmp_path, registry):  # noqa: F811
    model = random.Random(7).randbytes(2 * MIB)
    publish(registry, "library/killed", "v1", model)
    proxy = RegistryProxy(f"http://{registry.host}", rate=2 * MIB)
    try:
        srv, api = _start(binary, tmp_path)
        name = f"{proxy.host}/library/killed:v1"
        for delay in (0.05, 0.4, 0.8):
            t = threading.Thread(target=lambda: _swallow(lambda: api.stream("/api/pull", {"model": name,
                                                                                        "insecure": True})),
                                 daemon=True)
            t.start()
            time.sleep(delay)
            kill(srv)
            t.join(10)
            api = _restart(srv)
            check_store(srv.models_dir)
        r, items = api.stream("/api/pull", {"model": name, "insecure": True})
        assert items[-1] == {"status": "success"}, items[-3:]
        assert check_store(srv.models_dir) == [f"{proxy.host}/library/killed/v1"]
        srv.stop()
    finally:
        proxy.close()


def test_kill_during_chat_writes(binary, tmp_path):
    srv, api = _start(binary, tmp_path)
    db = srv.home / ".lokal" / "lokal.db"
    base = "/lokal/api/chats"
    for round_ in range(3):
        stop = threading.Event()

        def writer(n: int):
            s = requests.Session()
            try:
                while not stop.is_set():
                    c = s.post(srv.url + base, json={"title": f"w{n}"}, timeout=10).json()
                    msgs = [{"role": "user", "content": "q" * 2000}, {"role": "assistant", "content": "a" * 4000}]
                    m = s.post(f"{srv.url}{base}/{c['id']}/messages", json={"messages": msgs}, timeout=10).json()
                    s.patch(f"{srv.url}{base}/{c['id']}/messages/{m['messages'][1]['id']}",
                            json={"content": "b" * 8000}, timeout=10)
            except (requests.RequestException, ValueError, KeyError):
                pass

        threads = [threading.Thread(target=writer, args=(i,), daemon=True) for i in range(4)]
        for t in threads:
            t.start()
        time.sleep(0.3 + 0.3 * round_)
        kill(srv)
        stop.set()
        for t in threads:
            t.join(10)
        assert integrity(db) == "ok"
        api = _restart(srv)
        assert integrity(db) == "ok"
        chats = api.get(base).json()
        assert isinstance(chats.get("chats", chats), list)
    r = api.post(base, {"title": "after"})
    assert r.status_code == 201
    assert api.post(f"{base}/{r.json()['id']}/messages", {"messages": [{"role": "user", "content": "hi"}]}).status_code == 201
    srv.stop()
