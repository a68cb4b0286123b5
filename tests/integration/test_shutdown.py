"""The server process itself: it stops on SIGTERM/SIGINT, also mid-generation,
and a second server cannot take a port that is in use."""

import json
import signal
import socket
import subprocess
import time

import pytest

from lokal_helpers import STORIES_GGUF, Api, LokalServer


def exits_within(srv, seconds):
    try:
        return srv.proc.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        return None


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_stops_idle_server(fresh_server, sig):
    fresh_server.proc.send_signal(sig)
    code = exits_within(fresh_server, 10)
    assert code is not None, f"lokal serve still running 10 s after {sig.name}"
    assert code == 0, f"exit status {code} after {sig.name}\n" + fresh_server.log_tail()


@pytest.mark.timeout(120)
def test_sigterm_during_generation(fresh_server, gemma_path):
    api = Api(fresh_server.url)
    d = api.push_blob(gemma_path)
    api.create("g", files={"g.gguf": d})
    body = {"model": "g", "prompt": "1, 2, 3, 4, 5, 6, 7, 8, 9, 10,", "raw": True,
            "options": {"num_predict": 1500, "num_ctx": 4096, "temperature": 0}}
    payload = json.dumps(body).encode()
    s = socket.create_connection(("127.0.0.1", fresh_server.port), timeout=60)
    s.sendall(f"POST /api/generate HTTP/1.1\r\nHost: {fresh_server.host}\r\nContent-Type: application/json\r\n"
              f"Content-Length: {len(payload)}\r\n\r\n".encode() + payload)
    buf = b""
    while buf.count(b'"done":false') < 3:
        chunk = s.recv(4096)
        assert chunk, f"stream ended early: {buf[:300]!r}"
        buf += chunk
    fresh_server.proc.send_signal(signal.SIGTERM)
    code = exits_within(fresh_server, 15)
    s.close()
    assert code is not None, "lokal serve still running 15 s after SIGTERM while generating\n" + fresh_server.log_tail()


def test_port_in_use_fails_fast(binary, server, tmp_path):
    # a second server on the session server's address must exit non-zero, not hang
    other = LokalServer(binary, tmp_path)
    other.models_dir.mkdir(parents=True)
    other.home.mkdir(parents=True)
    other.port = server.port
    p = subprocess.Popen([str(binary), "serve"], env=other.env(), stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        code = p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait(5)
        pytest.fail("a second lokal serve on a port in use did not exit")
    assert code != 0
    out = p.stdout.read()
    assert out.strip(), "it must say why it stopped"
