"""Connection and request limits: slow clients (headers or body one byte a
second) are cut off while others keep being served, excess connections get
503 at once, header size and count are bounded, blob uploads are refused by
their announced size before anything is written, and the server caps
generated tokens and wall time per request."""

import json
import socket
import threading
import time

import pytest
import requests

from lokal_helpers import HTTP_TIMEOUT, STORIES_GGUF, Api, LokalServer


@pytest.fixture
def limited(binary, tmp_path):
    def start(**env):
        srv = LokalServer(binary, tmp_path / f"s{len(started)}")
        srv.extra_env = env
        srv.start()
        started.append(srv)
        return srv
    started = []
    yield start
    for s in started:
        s.stop()


def connect(srv) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=30)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def closed_by_server(sock: socket.socket, within: float) -> bool:
    """True when the server closes the connection within `within` seconds."""
    sock.settimeout(within)
    try:
        while True:
            data = sock.recv(4096)
            if not data:
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False


def drip(sock: socket.socket, data: bytes, stop: threading.Event, gap: float = 1.0):
    for b in data:
        if stop.is_set():
            return
        try:
            sock.send(bytes([b]))
        except OSError:
            return
        time.sleep(gap)


def test_slowloris_headers_do_not_tie_up_the_server(limited):
    srv = limited(LOKAL_HEADER_TIMEOUT="3s")
    stop = threading.Event()
    slow = [connect(srv) for _ in range(8)]
    request = f"GET /api/version HTTP/1.1\r\nHost: 127.0.0.1:{srv.port}\r\nX-Pad: {'a' * 60}\r\n\r\n".encode()
    drippers = [threading.Thread(target=drip, args=(s, request, stop), daemon=True) for s in slow]
    for t in drippers:
        t.start()
    try:
        # Others keep being served, promptly, while the slow ones drip.
        for _ in range(10):
            t0 = time.monotonic()
            r = requests.get(srv.url + "/api/version", timeout=HTTP_TIMEOUT)
            assert r.status_code == 200
            assert time.monotonic() - t0 < 1.0
            time.sleep(0.1)
        # And the slow ones are cut off near the header deadline, long before
        # their ~80-byte request would have arrived.
        t0 = time.monotonic()
        assert all(closed_by_server(s, 8) for s in slow)
        assert time.monotonic() - t0 < 8
    finally:
        stop.set()
        for s in slow:
            s.close()


def test_slow_json_body_is_cut_off(limited):
    srv = limited(LOKAL_BODY_TIMEOUT="2s")
    s = connect(srv)
    body = b'{"model": "' + b"x" * 100 + b'"}'
    s.send(f"POST /api/show HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
           f"Content-Length: {len(body)}\r\n\r\n".encode())
    stop = threading.Event()
    threading.Thread(target=drip, args=(s, body, stop), daemon=True).start()
    try:
        t0 = time.monotonic()
        assert closed_by_server(s, 10)
        assert time.monotonic() - t0 < 6
        assert requests.get(srv.url + "/api/version", timeout=HTTP_TIMEOUT).status_code == 200
    finally:
        stop.set()
        s.close()


def test_excess_connections_make_room_or_get_503_quickly(limited):
    srv = limited(LOKAL_MAX_CONNECTIONS="3", LOKAL_IDLE_TIMEOUT="60s", LOKAL_HEADER_TIMEOUT="60s",
                  LOKAL_BODY_TIMEOUT="60s")
    # Idle connections at the cap give way: the one waiting longest is closed.
    idle = [connect(srv) for _ in range(3)]
    time.sleep(0.3)
    t0 = time.monotonic()
    assert requests.get(srv.url + "/api/version", timeout=HTTP_TIMEOUT).status_code == 200
    assert time.monotonic() - t0 < 2
    idle[0].settimeout(5)
    assert idle[0].recv(10) == b""
    for s in idle:
        s.close()
    # Connections in the middle of a request cannot: a new one gets 503 at once.
    busy = [connect(srv) for _ in range(3)]
    try:
        for s in busy:
            s.send(b"POST /api/generate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{")
        time.sleep(0.3)
        t0 = time.monotonic()
        r = requests.get(srv.url + "/api/version", timeout=HTTP_TIMEOUT)
        assert r.status_code == 503
        assert "LOKAL_MAX_CONNECTIONS" in r.json()["error"]
        assert time.monotonic() - t0 < 2
    finally:
        for s in busy:
            s.close()
    # Once they are gone, requests are served again.
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if requests.get(srv.url + "/api/version", timeout=HTTP_TIMEOUT).status_code == 200:
            break
        time.sleep(0.1)
    else:
        pytest.fail("still refused after the busy connections closed")


def test_header_size_and_count_are_bounded(server):
    too_many = {f"X-H{i}": "v" for i in range(150)}
    r = requests.get(server.url + "/api/version", headers=too_many, timeout=HTTP_TIMEOUT)
    assert 400 <= r.status_code < 500
    r = requests.get(server.url + "/api/version", headers={"X-Big": "v" * 20000}, timeout=HTTP_TIMEOUT)
    assert 400 <= r.status_code < 500
    assert requests.get(server.url + "/api/version", timeout=HTTP_TIMEOUT).status_code == 200


def test_blob_upload_refused_by_announced_size_before_writing(limited):
    srv = limited(LOKAL_MAX_BLOB="4096", LOKAL_MAX_BODY="2048")
    s = connect(srv)
    digest = "sha256:" + "a" * 64
    s.send(f"POST /api/blobs/{digest} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000000\r\n\r\n".encode())
    s.settimeout(10)
    head = s.recv(65536).decode(errors="replace")
    s.close()
    assert head.startswith("HTTP/1.1 413"), head
    assert "LOKAL_MAX_BLOB" in head
    assert not any(p.is_file() for p in (srv.models_dir / "blobs").glob("*"))
    # The blob limit is its own: bigger than LOKAL_MAX_BODY is fine for a blob.
    import hashlib
    data = b"z" * 3000
    d = "sha256:" + hashlib.sha256(data).hexdigest()
    assert requests.post(srv.url + "/api/blobs/" + d, data=data, timeout=HTTP_TIMEOUT).status_code == 201
    r = requests.post(srv.url + "/api/show", json={"model": "x" * 3000}, timeout=HTTP_TIMEOUT)
    assert r.status_code == 413


def stories_on(srv) -> Api:
    api = Api(srv.url)
    digest = api.push_blob(STORIES_GGUF)
    api.create("stories-limits", files={"stories260K.gguf": digest})
    return api


def test_server_caps_generated_tokens(limited):
    srv = limited(LOKAL_MAX_TOKENS="5")
    api = stories_on(srv)
    for asked in (50, -1):
        r = api.post("/api/generate", {"model": "stories-limits", "prompt": "Once", "stream": False,
                                       "options": {"num_predict": asked, "temperature": 0, "seed": 1}})
        assert r.status_code == 200, r.text
        j = r.json()
        assert j["eval_count"] <= 5 and j["done_reason"] == "length", j
    # Asking for fewer than the cap is honoured.
    r = api.post("/api/generate", {"model": "stories-limits", "prompt": "Once", "stream": False,
                                   "options": {"num_predict": 2, "temperature": 0}})
    assert r.json()["eval_count"] <= 2


def test_server_caps_wall_time(limited):
    srv = limited(LOKAL_REQUEST_TIMEOUT="1s")
    api = stories_on(srv)
    body = {"model": "stories-limits", "prompt": "Once upon a time", "options": {"num_predict": -1, "temperature": 1}}
    t0 = time.monotonic()
    r = api.post("/api/generate", {**body, "stream": False})
    assert r.status_code == 503, r.text[:200]
    assert "LOKAL_REQUEST_TIMEOUT" in r.json()["error"]
    assert time.monotonic() - t0 < 10
    t0 = time.monotonic()
    with requests.post(srv.url + "/api/generate", json={**body, "stream": True}, stream=True,
                       timeout=HTTP_TIMEOUT) as r:
        lines = [json.loads(x) for x in r.iter_lines() if x]
    assert "LOKAL_REQUEST_TIMEOUT" in lines[-1]["error"]
    assert time.monotonic() - t0 < 10
