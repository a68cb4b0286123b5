"""A real OCI registry for the pull/push tests: Debian's docker-registry (the
CNCF distribution registry) on a free loopback port, storing into a temporary
directory, stopped when the tests that use it are done."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest
import requests

from lokal_helpers import free_port

REGISTRY_BIN = Path("/usr/bin/docker-registry")


class Registry:
    def __init__(self, root: Path, port: int, proc: subprocess.Popen, log: Path):
        self.root = root
        self.port = port
        self.proc = proc
        self.log = log

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def blob_data(self, digest: str) -> Path:
        """Where the registry keeps a blob's bytes (its filesystem driver layout)."""
        hexd = digest.split(":", 1)[1]
        return self.root / "docker" / "registry" / "v2" / "blobs" / "sha256" / hexd[:2] / hexd / "data"

    def log_tail(self) -> str:
        try:
            return "--- registry log (tail) ---\n" + "\n".join(self.log.read_text(errors="replace").splitlines()[-30:])
        except OSError:
            return "(no registry log)"


def _wait_ready(url: str, proc: subprocess.Popen, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            if requests.get(url + "/v2/", timeout=2).status_code == 200:
                return True
        except requests.RequestException:
            pass
        time.sleep(0.1)
    return False


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    binary = shutil.which("docker-registry") or str(REGISTRY_BIN)
    if not Path(binary).is_file():
        pytest.fail("docker-registry not found: run scripts/deps.sh (installs Debian's docker-registry)",
                    pytrace=False)
    work = tmp_path_factory.mktemp("registry")
    root = work / "storage"
    root.mkdir()
    log = work / "registry.log"
    for _attempt in range(3):  # a port taken between probe and bind: try another
        port = free_port()
        config = work / "config.yml"
        config.write_text(
            "version: 0.1\n"
            "log:\n  level: warn\n"
            f"storage:\n  filesystem:\n    rootdirectory: {root}\n  delete:\n    enabled: true\n"
            f"http:\n  addr: 127.0.0.1:{port}\n"
        )
        with open(log, "ab") as logf:
            proc = subprocess.Popen([binary, "serve", str(config)], stdin=subprocess.DEVNULL, stdout=logf,
                                    stderr=subprocess.STDOUT, start_new_session=True)
        if _wait_ready(f"http://127.0.0.1:{port}", proc, 30):
            reg = Registry(root, port, proc, log)
            yield reg
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
            return
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    pytest.fail("docker-registry did not start\n" + log.read_text(errors="replace")[-3000:], pytrace=False)
