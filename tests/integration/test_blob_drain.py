"""An upload of a blob the server already has is answered 200 after the
body has been read and dropped (up to 64 MiB), so the client sees the answer
rather than a connection reset, and the connection stays usable."""

from __future__ import annotations

import socket

from lokal_helpers import STORIES_GGUF


def _read_response(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed before an answer: {data!r}"
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            length = int(v)
    while len(rest) < length:
        rest += sock.recv(65536)
    return head


def test_existing_blob_body_is_drained_and_connection_kept(server, stories_digest):
    body = STORIES_GGUF.read_bytes()
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as s:
        s.sendall((f"POST /api/blobs/{stories_digest} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                   f"Content-Length: {len(body)}\r\n\r\n").encode() + body)
        head = _read_response(s)
        assert head.startswith(b"HTTP/1.1 200"), head
        assert b"connection: close" not in head.lower()
        # The same connection serves the next request: the body did not leak into it.
        s.sendall(b"GET /api/version HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert _read_response(s).startswith(b"HTTP/1.1 200")


def test_invalid_digest_body_is_drained_too(server):
    body = b"x" * 300_000
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as s:
        s.sendall((f"POST /api/blobs/sha256:nothex HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                   f"Content-Length: {len(body)}\r\n\r\n").encode() + body)
        assert _read_response(s).startswith(b"HTTP/1.1 400")
        s.sendall(b"GET /api/version HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert _read_response(s).startswith(b"HTTP/1.1 200")
