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


def _upload_blob(reg: Registry, repo: str, data: bytes) -> str:
    import hashlib
    base = f"http://{reg.host}"
    r = requests.post(f"{base}/v2/{repo}/blobs/uploads/", timeout=30)
    assert r.status_code == 202, r.text
    loc = r.headers["Location"]
    loc = loc if loc.startswith("http") else base + loc
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    r = requests.put(f"{loc}{'&' if '?' in loc else '?'}digest={digest}", data=data, timeout=60,
                     headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 201, r.text
    return digest


def publish(reg: Registry, repo: str, tag: str, model: bytes) -> dict:
    """Puts a model (one layer) straight into the registry; returns its manifest."""
    import json
    config = json.dumps({"model_format": "gguf", "rootfs": {"type": "layers"}}).encode()
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json",
                   "digest": _upload_blob(reg, repo, config), "size": len(config)},
        "layers": [{"mediaType": "application/vnd.ollama.image.model", "digest": _upload_blob(reg, repo, model),
                    "size": len(model)}],
    }
    r = requests.put(f"http://{reg.host}/v2/{repo}/manifests/{tag}", data=json.dumps(manifest), timeout=30,
                     headers={"Content-Type": manifest["mediaType"]})
    assert r.status_code == 201, r.text
    return manifest


# --- a scripted registry for what docker-registry cannot show: bearer tokens
# from a separate token service and blob redirects to another origin ---------

import base64  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import threading  # noqa: E402
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer  # noqa: E402

from lokal_helpers import LokalServer  # noqa: E402

TOKEN = "tok-123"
USER, PASSWORD = "alice", "s3cret"


def _serve(handler_fn, ip="127.0.0.1"):
    """Starts an HTTP server on ip whose requests go to handler_fn(req)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            handler_fn(self)

        do_HEAD = do_GET

        def log_message(self, *args):
            pass

    srv = ThreadingHTTPServer((ip, 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def _reply(req, status, body=b"", headers=None):
    req.send_response(status)
    for k, v in (headers or {}).items():
        req.send_header(k, v)
    req.send_header("Content-Length", str(len(body)))
    req.end_headers()
    if req.command != "HEAD":
        req.wfile.write(body)


class ScriptedRegistry:
    """Registry (needs a bearer token) + token service (needs basic
    credentials) + CDN (where blob GETs are redirected), each on its own port.
    Every request is recorded with the Authorization header it carried.

    By default all three are on 127.0.0.1. To play a remote registry, `ip`
    binds the registry to another address of this machine, and the token
    service and CDN listen on `elsewhere_ip` and are named `elsewhere` in the
    registry's answers (say "127.1" for 127.0.0.1); `open_` drops the token."""

    def __init__(self, model_bytes: bytes, cdn_failures: int = 0, ip: str = "127.0.0.1",
                 elsewhere: str = "127.0.0.1", elsewhere_ip: str = "127.0.0.1", open_: bool = False):
        self.cdn_failures = cdn_failures  # the first N CDN requests answer 503
        self.ip, self.elsewhere, self.open = ip, elsewhere, open_
        config = json.dumps({"model_format": "gguf", "rootfs": {"type": "layers"}}).encode()
        self.blobs = {"sha256:" + hashlib.sha256(b).hexdigest(): b for b in (model_bytes, config)}
        model_d, config_d = list(self.blobs)
        self.manifest = json.dumps({
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "digest": config_d,
                       "size": len(config)},
            "layers": [{"mediaType": "application/vnd.ollama.image.model", "digest": model_d,
                        "size": len(model_bytes)}],
        }).encode()
        self.seen: list[tuple[str, str, str]] = []  # (server, path, authorization)
        self.cdn = _serve(self._cdn, elsewhere_ip)
        self.token = _serve(self._token, elsewhere_ip)
        self.registry = _serve(self._registry, ip)

    def port(self, srv) -> int:
        return srv.server_address[1]

    @property
    def host(self) -> str:
        return f"{self.ip}:{self.port(self.registry)}"

    @property
    def token_host(self) -> str:
        return f"{self.elsewhere}:{self.port(self.token)}"

    def auth_seen(self, server: str) -> list[str]:
        return [a for s, _p, a in self.seen if s == server]

    def _record(self, name, req):
        self.seen.append((name, req.path, req.headers.get("Authorization", "")))

    def _registry(self, req):
        self._record("registry", req)
        if not self.open and req.headers.get("Authorization") != f"Bearer {TOKEN}":
            realm = f"http://{self.token_host}/token"
            return _reply(req, 401, b'{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}',
                          {"WWW-Authenticate": f'Bearer realm="{realm}",service="fake",scope="repository:library/m:pull"'})
        if req.path == "/v2/library/m/manifests/latest":
            return _reply(req, 200, self.manifest,
                          {"Content-Type": "application/vnd.docker.distribution.manifest.v2+json"})
        prefix = "/v2/library/m/blobs/"
        if req.path.startswith(prefix) and req.path[len(prefix):] in self.blobs:
            d = req.path[len(prefix):]
            return _reply(req, 307, b"", {"Location": f"http://{self.elsewhere}:{self.port(self.cdn)}/b/{d}?sig=1"})
        _reply(req, 404, b'{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}')

    def _token(self, req):
        self._record("token", req)
        basic = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        if req.headers.get("Authorization") != basic or "service=fake" not in req.path:
            return _reply(req, 401, b'{"details":"bad credentials"}')
        _reply(req, 200, json.dumps({"token": TOKEN}).encode(), {"Content-Type": "application/json"})

    def _cdn(self, req):
        self._record("cdn", req)
        if self.cdn_failures > 0:
            self.cdn_failures -= 1
            return _reply(req, 503, b"busy")
        d = req.path.split("?")[0].rsplit("/", 1)[-1]
        if d not in self.blobs:
            return _reply(req, 404)
        _reply(req, 200, self.blobs[d], {"Content-Type": "application/octet-stream"})

    def close(self):
        for s in (self.registry, self.token, self.cdn):
            s.shutdown()
            s.server_close()


class EnvServer(LokalServer):
    """A lokal serve with extra environment (the registry auth file)."""

    def __init__(self, binary, workdir, extra_env: dict):
        super().__init__(binary, workdir)
        self.extra_env = extra_env

    def env(self) -> dict:
        env = super().env()
        env.update(self.extra_env)
        return env


@pytest.fixture
def server_with_env(binary, tmp_path):
    """Starts lokal serve with extra environment; stopped at the end."""
    started = []

    def start(extra_env: dict, sub: str = "srv"):
        work = tmp_path / sub
        work.mkdir()
        srv = EnvServer(binary, work, extra_env)
        try:
            srv.start()
        except RuntimeError as e:
            pytest.fail(str(e), pytrace=False)
        started.append(srv)
        return srv

    yield start
    for srv in started:
        srv.stop()
