"""A slow, counting HTTP proxy in front of the real registry, for the pull
and push tests: it forwards every request (Range included, or stripped to
play a server that ignores ranges; the Host header kept, so the registry's
upload Locations point back at the proxy), sends blob bodies at a fixed
rate, and records the requests, the ranges asked for and the blob bytes sent."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests


class RegistryProxy:
    def __init__(self, upstream: str, rate: int = 1 << 20, ignore_range: bool = False):
        self.upstream = upstream  # "http://127.0.0.1:port"
        self.rate = rate          # blob bytes per second per request
        self.ignore_range = ignore_range
        self.lock = threading.Lock()
        self.blob_bytes = 0       # blob body bytes sent
        self.ranges: list[str] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.generation = 0       # requests from before reset_counts() are not counted
        self.requests: list[tuple[str, str, dict]] = []  # (method, path, headers)
        self.patches = 0          # PATCH requests forwarded
        self.fail_patch_after: int | None = None  # answer the PATCH after this many with 503, once
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):  # noqa: N802
                proxy._forward(self)

            do_HEAD = do_POST = do_PUT = do_PATCH = do_GET

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.server.server_address[1]}"

    def reset_counts(self) -> None:
        with self.lock:
            self.blob_bytes = 0
            self.ranges = []
            self.max_in_flight = 0
            self.requests = []
            self.generation += 1

    def _forward(self, req: BaseHTTPRequestHandler) -> None:
        headers = {k: v for k, v in req.headers.items() if k.lower() != "connection"}
        is_blob = "/blobs/sha256:" in req.path and req.command == "GET"
        body = req.rfile.read(int(req.headers.get("Content-Length") or 0)) if req.command in ("POST", "PUT", "PATCH") else None
        with self.lock:
            generation = self.generation
            self.requests.append((req.command, req.path, dict(headers)))
        if is_blob:
            with self.lock:
                self.ranges.append(headers.get("Range", ""))
                self.in_flight += 1
                self.max_in_flight = max(self.max_in_flight, self.in_flight)
        if req.command == "PATCH":
            with self.lock:
                fail = self.fail_patch_after is not None and self.patches >= self.fail_patch_after
                if fail:
                    self.fail_patch_after = None
                else:
                    self.patches += 1
            if fail:  # an upload cut off: the registry never sees this chunk
                req.send_response(503)
                req.send_header("Content-Length", "0")
                req.end_headers()
                return
        if self.ignore_range:
            headers.pop("Range", None)
        try:
            up = requests.request(req.command, self.upstream + req.path, headers=headers, data=body, stream=True,
                                  allow_redirects=False, timeout=30)
            req.send_response(up.status_code)
            for k, v in up.headers.items():
                if k.lower() not in ("connection", "transfer-encoding", "keep-alive"):
                    req.send_header(k, v)
            req.end_headers()
            if req.command == "HEAD":
                return
            chunk = 16 * 1024
            for piece in up.raw.stream(chunk, decode_content=False):
                req.wfile.write(piece)
                req.wfile.flush()
                if is_blob:
                    with self.lock:
                        if generation == self.generation:
                            self.blob_bytes += len(piece)
                    time.sleep(len(piece) / self.rate)
        except (BrokenPipeError, ConnectionResetError, requests.RequestException):
            pass
        finally:
            if is_blob:
                with self.lock:
                    self.in_flight -= 1

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
