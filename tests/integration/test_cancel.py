"""A client that goes away frees its slot; concurrent requests all finish."""

import json
import socket
import threading
import time

import pytest

from lokal_helpers import find_model

# Greedy counting on Gemma never reaches an end-of-sequence token, so these
# requests would run for minutes if nobody stopped them.
LONG = {"prompt": "1, 2, 3, 4, 5, 6, 7, 8, 9, 10,", "raw": True,
        "options": {"num_predict": 5000, "num_ctx": 8192, "temperature": 0}}


def open_stream(server, path, body):
    """A raw HTTP/1.1 request on a socket we can close mid-stream."""
    payload = json.dumps(body).encode()
    s = socket.create_connection(("127.0.0.1", server.port), timeout=60)
    s.sendall(
        f"POST {path} HTTP/1.1\r\nHost: {server.host}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(payload)}\r\n\r\n".encode() + payload)
    return s


def read_until_chunks(sock, n_objects, timeout=60):
    """Reads until `n_objects` JSON lines of the (chunked) body have arrived."""
    buf = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        data = sock.recv(4096)
        if not data:
            break
        buf += data
        if buf.count(b'"done":false') >= n_objects:
            return buf
    raise AssertionError(f"stream did not produce {n_objects} objects: {buf[:500]!r}")


def wait_idle(server, limit=0.35, within=20):
    """True once the server uses less than `limit` cores over a 2 s window."""
    deadline = time.monotonic() + within
    load = None
    while time.monotonic() < deadline:
        load = server.cpu_load(2.0)
        if load < limit:
            return True, load
    return False, load


@pytest.mark.timeout(120)
def test_closing_the_stream_stops_generation(api, server, gemma_base):
    api.generate(model=gemma_base, prompt="1,", raw=True, options={"num_predict": 1, "num_ctx": 8192})
    sock = open_stream(server, "/api/generate", {"model": gemma_base, **LONG})
    head = read_until_chunks(sock, 3)
    assert b"200 OK" in head.split(b"\r\n", 1)[0], head[:200]
    sock.close()
    idle, load = wait_idle(server)
    assert idle, f"server still busy ({load:.2f} cores) 20 s after the client went away: generation not cancelled"
    # the slot is free: a new request on the same model answers at once
    t0 = time.monotonic()
    g = api.generate(model=gemma_base, prompt="Hello", raw=True,
                     options={"num_predict": 4, "num_ctx": 8192, "temperature": 0})
    assert g["eval_count"] == 4
    assert time.monotonic() - t0 < 15
    assert find_model(api.ps(), gemma_base) is not None


@pytest.mark.timeout(120)
def test_closing_a_chat_stream_stops_generation(api, server, gemma_digest):
    # a template that passes the messages through, so the model just counts on
    api.create("gemma3-echo", files={"gemma3-270m-q4_k_m.gguf": gemma_digest},
               template="{{ range .Messages }}{{ .Content }}{{ end }}")
    body = {"model": "gemma3-echo", "messages": [{"role": "user", "content": LONG["prompt"]}],
            "options": LONG["options"]}
    sock = open_stream(server, "/api/chat", body)
    read_until_chunks(sock, 3)
    sock.close()
    idle, load = wait_idle(server)
    assert idle, f"server still busy ({load:.2f} cores) after the chat client went away"


@pytest.mark.timeout(120)
def test_closing_a_non_streamed_request_stops_generation(api, server, gemma_base):
    sock = open_stream(server, "/api/generate", {"model": gemma_base, **LONG, "stream": False})
    time.sleep(3)  # generating, nothing sent yet
    assert server.cpu_load(1.0) > 0.5, "the long request is not running at all"
    sock.close()
    idle, load = wait_idle(server)
    assert idle, f"server still busy ({load:.2f} cores) after a non-streaming client went away"


@pytest.mark.timeout(120)
def test_requests_queue_behind_a_long_one(api, server, gemma_base):
    """While one long request runs, a short one on the same model still
    completes (in parallel or after it), and cancelling the long one works."""
    sock = open_stream(server, "/api/generate", {"model": gemma_base, **LONG})
    read_until_chunks(sock, 2)
    result = {}

    def short():
        result["g"] = api.generate(model=gemma_base, prompt="Hello", raw=True,
                                   options={"num_predict": 3, "num_ctx": 8192})

    t = threading.Thread(target=short)
    t.start()
    t.join(8)
    sock.close()
    t.join(60)
    assert "g" in result and result["g"]["eval_count"] == 3
    assert wait_idle(server)[0]


@pytest.mark.timeout(120)
def test_concurrent_requests_all_complete(api, stories):
    results, errors = [], []

    def one(i):
        try:
            import requests
            r = requests.post(api.base + "/api/generate", timeout=90, json={
                "model": stories, "prompt": f"Once upon a time, Lily had {i} cats.", "stream": False,
                "options": {"num_predict": 16, "temperature": 0}})
            results.append((i, r.status_code, r.json()))
        except Exception as e:  # noqa: BLE001 - collected and reported below
            errors.append(repr(e))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(100)
    assert not errors, errors
    assert len(results) == 6
    for i, status, body in results:
        assert status == 200, body
        assert body["eval_count"] == 16, body
    # each answer is the one that prompt gets alone (no cross-talk between slots)
    for i, _, body in results[:2]:
        alone = api.generate(model=stories, prompt=f"Once upon a time, Lily had {i} cats.",
                             options={"num_predict": 16, "temperature": 0})
        assert alone["response"] == body["response"], i
