"""A client that goes away frees its slot; concurrent requests all finish.

Whether generation stopped is read from the server process's CPU time: a
llama.cpp decode loop keeps a core busy, an idle server uses next to none."""

import json
import socket
import threading
import time

import pytest
import requests

from lokal_helpers import IDLE_CORES, find_model

# Greedy counting on Gemma never reaches an end-of-sequence token: this request
# runs for a minute or more (1500 tokens at 25 tokens/s) unless it is cancelled.
LONG_OPTIONS = {"num_predict": 1500, "num_ctx": 8192, "temperature": 0}
LONG = {"prompt": "1, 2, 3, 4, 5, 6, 7, 8, 9, 10,", "raw": True, "options": LONG_OPTIONS}
CANCEL_WITHIN_S = 8


def open_stream(server, path, body):
    """A raw HTTP/1.1 request on a socket the test can close mid-answer."""
    payload = json.dumps(body).encode()
    s = socket.create_connection(("127.0.0.1", server.port), timeout=60)
    s.sendall(
        f"POST {path} HTTP/1.1\r\nHost: {server.host}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(payload)}\r\n\r\n".encode() + payload)
    return s


def read_until_chunks(sock, n_objects, timeout=60):
    """Reads until `n_objects` not-done JSON objects of the answer have arrived."""
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


def wait_idle(server, within):
    return server.wait_idle(within)


def assert_busy(server):
    load = server.cpu_load(1.0)
    assert load > 2 * IDLE_CORES, f"the long request is not running ({load:.2f} cores)"


@pytest.fixture
def settle(server):
    """After the test, waits (bounded) for leftover work to end, so that a
    failure to cancel costs this test only and not the ones after it."""
    yield
    wait_idle(server, within=240)


@pytest.mark.timeout(300)
def test_closing_the_stream_stops_generation(api, server, gemma_base, settle):
    api.generate(model=gemma_base, prompt="1,", raw=True, options={"num_predict": 1, "num_ctx": 8192})
    sock = open_stream(server, "/api/generate", {"model": gemma_base, **LONG})
    head = read_until_chunks(sock, 3)
    assert head.startswith(b"HTTP/1.1 200"), head[:200]
    assert_busy(server)
    sock.close()
    idle, load = wait_idle(server, CANCEL_WITHIN_S)
    assert idle, f"server still busy ({load:.2f} cores) {CANCEL_WITHIN_S} s after the client went away"
    # the slot is free: a new request on the same model answers at once
    t0 = time.monotonic()
    g = api.generate(model=gemma_base, prompt="Hello", raw=True,
                     options={"num_predict": 4, "num_ctx": 8192, "temperature": 0})
    assert g["eval_count"] == 4
    assert time.monotonic() - t0 < 15
    assert find_model(api.ps(), gemma_base) is not None


@pytest.mark.timeout(300)
def test_closing_a_chat_stream_stops_generation(api, server, gemma_digest, settle):
    # a template that passes the messages through, so the model just counts on
    api.create("gemma3-echo", files={"gemma3-270m-q4_k_m.gguf": gemma_digest},
               template="{{ range .Messages }}{{ .Content }}{{ end }}")
    body = {"model": "gemma3-echo", "messages": [{"role": "user", "content": LONG["prompt"]}],
            "options": LONG_OPTIONS}
    sock = open_stream(server, "/api/chat", body)
    read_until_chunks(sock, 3)
    assert_busy(server)
    sock.close()
    idle, load = wait_idle(server, CANCEL_WITHIN_S)
    assert idle, f"server still busy ({load:.2f} cores) after the chat client went away"


@pytest.mark.timeout(300)
def test_closing_a_non_streamed_request_stops_generation(api, server, gemma_base, settle):
    sock = open_stream(server, "/api/generate", {"model": gemma_base, **LONG, "stream": False})
    time.sleep(2)  # generating, nothing sent yet
    assert_busy(server)
    sock.close()
    idle, load = wait_idle(server, CANCEL_WITHIN_S)
    assert idle, f"server still busy ({load:.2f} cores) after a non-streaming client went away"


@pytest.mark.timeout(300)
def test_short_request_completes_beside_a_cancelled_long_one(api, server, gemma_base, settle):
    """While a long request runs, a short one on the same model is either
    served alongside it or queued; once the long one is cancelled the short
    one completes."""
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
    t.join(30)
    assert "g" in result, "the queued request did not complete after the long one was cancelled"
    assert result["g"]["eval_count"] == 3


@pytest.mark.timeout(180)
def test_concurrent_requests_all_complete(api, stories):
    results, errors = [], []

    def one(i):
        try:
            r = requests.post(api.base + "/api/generate", timeout=120, json={
                "model": stories, "prompt": f"Once upon a time, Lily had {i} cats.", "stream": False,
                "options": {"num_predict": 16, "temperature": 0}})
            results.append((i, r.status_code, r.json()))
        except Exception as e:  # noqa: BLE001 - collected and reported below
            errors.append(repr(e))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(150)
    assert not errors, errors
    assert len(results) == 6
    for i, status, body in results:
        assert status == 200, body
        assert body["eval_count"] == 16, body
    # each answer is the one that prompt gets alone (no cross-talk between requests)
    for i, _, body in sorted(results)[:3]:
        alone = api.generate(model=stories, prompt=f"Once upon a time, Lily had {i} cats.",
                             options={"num_predict": 16, "temperature": 0})
        assert alone["response"] == body["response"], i
