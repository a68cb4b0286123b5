"""Misbehaving and many clients against a real server: streams abandoned
midway, headers sent a byte at a time (slowloris), 1,000 idle connections,
and 64 concurrent streaming clients. The server frees what they held (slots,
threads, descriptors, memory) and keeps serving everyone else."""

from __future__ import annotations

import json
import os
import resource
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from fault_helpers import open_fds, raw_request, rss_kib

# Under `make sanitize` the server is an unoptimised ASan build: it answers
# several times slower and ASan's quarantine keeps freed memory, so bounds
# on answer time and on RSS returning to baseline say nothing there.
not_under_asan = pytest.mark.skipif(os.environ.get("LOKAL_SANITIZED") == "1",
                                    reason="time and RSS bounds do not hold for an ASan build")
from lokal_helpers import STORIES_GGUF, Api, LokalServer

SETTINGS = {
    "LOKAL_HEADER_TIMEOUT": "1s",
    "LOKAL_IDLE_TIMEOUT": "1s",
    "LOKAL_MAX_CONNECTIONS": "128",
    "LOKAL_MAX_QUEUE": "32",
    "LOKAL_KEEP_ALIVE": "-1",
}


@pytest.fixture(scope="module")
def srv(binary, tmp_path_factory):
    # 1,000 sockets on each side: raise the descriptor limit (inherited by the server).
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, 4096)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    s = LokalServer(binary, tmp_path_factory.mktemp("faults-clients"), SETTINGS)
    s.start()
    api = Api(s.url)
    api.create("stories", files={"s.gguf": api.push_blob(STORIES_GGUF)})
    api.generate(model="stories", prompt="Once", options={"num_predict": 2})  # loaded, warm
    yield s
    s.stop()
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def quick_request_ok(s: LokalServer, within: float) -> float:
    t0 = time.monotonic()
    r = requests.post(s.url + "/api/generate", json={"model": "stories", "prompt": "Once", "stream": False,
                                                   "options": {"num_predict": 4, "temperature": 0}},
                      timeout=within)
    assert r.status_code == 200, r.text
    return time.monotonic() - t0


def settle(s: LokalServer, baseline_fds: int, slack: int = 6, timeout: float = 10.0) -> int:
    """Waits for the descriptor count to come back near the baseline."""
    deadline = time.monotonic() + timeout
    n = open_fds(s.proc.pid)
    while n > baseline_fds + slack and time.monotonic() < deadline:
        time.sleep(0.2)
        n = open_fds(s.proc.pid)
    return n


def test_clients_gone_midstream_free_their_slots(srv):
    fds = open_fds(srv.proc.pid)
    body = {"model": "stories", "prompt": "Once upon a time", "options": {"num_predict": 100000}}
    for _ in range(6):
        with requests.post(srv.url + "/api/generate", json=body, stream=True, timeout=30) as r:
            lines = r.iter_lines()
            for _ in range(3):
                assert json.loads(next(lines))["done"] is False
        # closed here, in the middle of a 100,000-token answer
    idle, load = srv.wait_idle(within=10)
    assert idle, f"the server keeps generating for clients that left ({load:.2f} cores)"
    assert quick_request_ok(srv, within=10) < 5
    assert settle(srv, fds) <= fds + 6


def test_slowloris_headers_are_cut_off(srv):
    fds = open_fds(srv.proc.pid)
    socks = [socket.create_connection(("127.0.0.1", srv.port), timeout=10) for _ in range(20)]
    head = b"GET /api/tags HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 100
    t0 = time.monotonic()
    cut = [None] * len(socks)
    # One byte every 0.3 s per connection; the header deadline (1 s) ends them all.
    for i in range(len(head)):
        for k, s in enumerate(socks):
            if cut[k] is not None:
                continue
            try:
                s.sendall(head[i:i + 1])
            except OSError:
                cut[k] = time.monotonic() - t0
        if all(c is not None for c in cut) or time.monotonic() - t0 > 6:
            break
        if i == 3:  # meanwhile, everyone else is served
            assert quick_request_ok(srv, within=5) < 3
        time.sleep(0.3)
    for k, s in enumerate(socks):
        if cut[k] is None:
            s.settimeout(3)
            try:
                data = s.recv(100)  # the server closed its side: EOF (or a reset)
                assert data == b"" or data.startswith(b"HTTP/1.1 4"), data
            except (ConnectionResetError, socket.timeout) as e:
                assert not isinstance(e, socket.timeout), "a slow header was never cut off"
            cut[k] = time.monotonic() - t0
        s.close()
    assert max(cut) < 5, cut
    assert settle(srv, fds) <= fds + 6


def _closed_by_server(s: socket.socket) -> bool:
    s.settimeout(3)
    try:
        data = s.recv(200)
        return data == b"" or data.startswith(b"HTTP/1.1 503")
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def expect_all_closed(server: LokalServer, socks, fds: int):
    """Every socket was closed by the server (its deadlines), descriptors are
    back near the baseline and requests are answered again."""
    still_open = [s for s in socks if not _closed_by_server(s)]
    for s in socks:
        s.close()
    assert not still_open, f"{len(still_open)} idle connections outlived the header timeout"
    assert settle(server, fds) <= fds + 6
    assert quick_request_ok(server, within=5) < 3


def test_a_thousand_idle_connections(binary, srv, tmp_path):
    """LOKAL_MAX_CONNECTIONS=1100 allows them: each waits for its headers
    on its own worker, so others are served at once; the idle (1 s) and
    header timeouts close every one, and descriptors return to the baseline."""
    many = LokalServer(binary, tmp_path, {**SETTINGS, "LOKAL_MAX_CONNECTIONS": "1100"})
    many.start()
    try:
        api = Api(many.url)
        api.create("stories", files={"s.gguf": api.push_blob(STORIES_GGUF)})
        quick_request_ok(many, within=10)  # loaded
        fds = open_fds(many.proc.pid)
        t_open = time.monotonic()
        socks = [socket.create_connection(("127.0.0.1", many.port), timeout=10) for _ in range(1000)]
        t0 = time.monotonic()
        r = requests.get(many.url + "/api/tags", timeout=10)
        assert r.status_code == 200 and time.monotonic() - t0 < 3
        assert quick_request_ok(many, within=10) < 3
        time.sleep(max(0.0, t_open + 2.5 - time.monotonic()))
        expect_all_closed(many, socks, fds)
    finally:
        many.stop()


@pytest.fixture()
def capped(binary, tmp_path):
    """A server allowing 16 connections, with timeouts long enough that only
    the cap, never a deadline, can close a connection during a test."""
    s = LokalServer(binary, tmp_path, {**SETTINGS, "LOKAL_MAX_CONNECTIONS": "16", "LOKAL_HEADER_TIMEOUT": "60s",
                                       "LOKAL_IDLE_TIMEOUT": "60s", "LOKAL_BODY_TIMEOUT": "60s"})
    s.start()
    yield s
    s.stop()


def _tags_answered(s: LokalServer) -> float:
    t0 = time.monotonic()
    r = requests.get(s.url + "/api/tags", timeout=5)
    assert r.status_code == 200, (r.status_code, r.text)
    return time.monotonic() - t0


def test_idle_connections_beyond_the_limit_make_room(capped):
    """200 idle connections against LOKAL_MAX_CONNECTIONS=16 (and 60 s
    timeouts): each new connection closes the one idle longest, so requests
    keep being answered at once, and the server holds no more than the cap."""
    fds = open_fds(capped.proc.pid)
    idle = [socket.create_connection(("127.0.0.1", capped.port), timeout=10) for _ in range(200)]
    time.sleep(0.3)
    for _ in range(10):  # each also evicts one of the idle ones
        assert _tags_answered(capped) < 1
    assert open_fds(capped.proc.pid) <= fds + 2 * 16 + 4  # the socket and its dup, per connection
    # The oldest were closed, the newest 15 are still open (10 more made room
    # for the requests above).
    assert all(_closed_by_server(s) for s in idle[:150])
    for s in idle[-5:]:
        s.setblocking(False)
        with pytest.raises(BlockingIOError):
            s.recv(1)
    for s in idle:
        s.close()
    assert settle(capped, fds) <= fds + 6


@not_under_asan
def test_busy_connections_at_the_limit_refuse_new_ones_at_once(capped):
    """16 connections in the middle of a request (a body that does not come)
    cannot give way: a 17th gets 503 with a JSON error straight away, and once
    they are gone, requests are answered again."""
    head = ("POST /api/generate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            "Content-Length: 1000\r\n\r\n")
    busy = [raw_request(capped.port, head, b'{"model"') for _ in range(16)]
    time.sleep(0.5)  # every head is read: all 16 are serving a request
    t0 = time.monotonic()
    r = requests.get(capped.url + "/api/tags", timeout=5)
    assert time.monotonic() - t0 < 1
    assert r.status_code == 503
    assert r.json() == {"error": "server busy: too many open connections (LOKAL_MAX_CONNECTIONS=16)"}
    for s in busy:
        s.close()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            if requests.get(capped.url + "/api/tags", timeout=5).status_code == 200:
                break
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    assert _tags_answered(capped) < 1


def test_connections_beyond_the_limit_are_refused_quickly(srv):
    """150 idle connections against LOKAL_MAX_CONNECTIONS=128: the oldest 22
    are closed at once to make room, the rest by the header timeout; then
    requests are answered."""
    fds = open_fds(srv.proc.pid)
    socks = [socket.create_connection(("127.0.0.1", srv.port), timeout=10) for _ in range(150)]
    time.sleep(2.5)
    expect_all_closed(srv, socks, fds)


@not_under_asan
def test_load_64_streaming_clients(srv):
    fds, rss = open_fds(srv.proc.pid), rss_kib(srv.proc.pid)
    stop_at = time.monotonic() + 6
    outcomes = {"done": 0, "busy": 0}
    problems = []
    lock = threading.Lock()

    def client(n: int):
        # A connection per request: a kept-alive one may be closed by the
        # server's idle timeout just as the next POST goes out (a race every
        # HTTP client has, and one requests does not retry for POST).
        while time.monotonic() < stop_at:
            try:
                with requests.post(srv.url + "/api/generate", stream=True, timeout=60,
                            json={"model": "stories", "prompt": f"Once {n}", "options": {"num_predict": 12}}) as r:
                    if r.status_code in (429, 503):
                        with lock:
                            outcomes["busy"] += 1
                        time.sleep(0.1)
                        continue
                    if r.status_code != 200:
                        raise AssertionError(f"HTTP {r.status_code}: {r.text[:200]}")
                    last = [json.loads(line) for line in r.iter_lines() if line.strip()][-1]
                    if last.get("done") is not True:
                        raise AssertionError(f"stream ended without done: {last}")
                    with lock:
                        outcomes["done"] += 1
            except Exception as e:  # noqa: BLE001  (every failure is reported)
                with lock:
                    problems.append(repr(e))
                return

    with ThreadPoolExecutor(64) as pool:
        list(pool.map(client, range(64)))
    assert not problems, problems[:5]
    assert srv.alive()
    assert outcomes["done"] >= 64, outcomes
    assert settle(srv, fds) <= fds + 6
    after = rss_kib(srv.proc.pid)
    assert after < rss + 64 * 1024, f"RSS {rss} KiB before, {after} KiB after"
    assert quick_request_ok(srv, within=10) < 5
