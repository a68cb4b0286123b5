"""Helpers for the fault tests (test_faults_*.py): killing and restarting a
server on the same folders, and checking that what it left on disk is
consistent."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import sqlite3
from pathlib import Path

from lokal_helpers import LokalServer


def kill(srv: LokalServer) -> None:
    os.kill(srv.proc.pid, signal.SIGKILL)
    srv.proc.wait(10)
    if srv._log:
        srv._log.close()


def temp_files(models_dir: Path) -> list[str]:
    """Temporary files of unfinished writes (never partial downloads, which resume)."""
    return sorted(str(p.relative_to(models_dir)) for p in models_dir.rglob(".lokal-tmp-*"))


def check_store(models_dir: Path) -> list[str]:
    """Every manifest's config and layers exist with their size and digest;
    no temporary file is left. Returns the manifests found (relative paths)."""
    assert temp_files(models_dir) == [], temp_files(models_dir)
    found = []
    for mf in sorted((models_dir / "manifests").rglob("*")):
        if not mf.is_file():
            continue
        m = json.loads(mf.read_text())  # a torn manifest would not parse
        for layer in [m["config"], *m["layers"]]:
            blob = models_dir / "blobs" / layer["digest"].replace(":", "-")
            assert blob.is_file(), f"{mf} points at missing {blob.name}"
            data = blob.read_bytes()
            assert len(data) == layer["size"], f"{blob.name}: {len(data)} bytes, manifest says {layer['size']}"
            assert "sha256:" + hashlib.sha256(data).hexdigest() == layer["digest"], f"{blob.name} is partial"
        found.append(str(mf.relative_to(models_dir / "manifests")))
    return found


def integrity(db: Path) -> str:
    con = sqlite3.connect(db)
    try:
        return con.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        con.close()


def raw_request(port: int, head: str, body: bytes = b"", timeout: float = 30) -> socket.socket:
    """Opens a connection and sends a request head (and some body) as given."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.sendall(head.encode() + body)
    return s


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0
