"""Shared helpers for the integration suite: starting `lokal serve`, talking to
it over HTTP, pushing models, reading NDJSON streams, parsing timestamps."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("LOKAL_SHARED", REPO.parent / "shared"))
SHARED_MODELS = SHARED / "models"
OLLAMA_COMPAT = SHARED / "compat" / "ollama"

STORIES_GGUF = SHARED_MODELS / "stories260K.gguf"
TINY_GGUF = SHARED_MODELS / "llama-2-tiny-random.gguf"
MMPROJ_GGUF = SHARED_MODELS / "mmproj-tinygemma3.gguf"

# A request to a tiny model answers in well under a second; anything that
# takes longer than this is hung, not slow.
HTTP_TIMEOUT = 120

# An idle lokal uses next to no CPU (measured: under 0.01 cores); a decode loop
# keeps at least a fair share of a core busy even on a loaded 2-core machine
# (measured: 0.3 with eight compile jobs beside it). Between the two:
IDLE_CORES = 0.08


def lokal_bin() -> Path:
    return Path(os.environ.get("LOKAL_BIN", REPO / "build" / "lokal"))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def client_env(host: str, home: Path) -> dict:
    """Environment for a CLI process talking to the test server."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOKAL_", "OLLAMA_"))}
    env["LOKAL_HOST"] = host
    env["HOME"] = str(home)
    env["NO_COLOR"] = "1"
    return env


class LokalServer:
    """One `lokal serve` process on a free loopback port with its own models
    directory and HOME, logging to a file the tests can quote on failure."""

    def __init__(self, binary: Path, workdir: Path, extra_env: dict | None = None):
        self.binary = binary
        self.workdir = workdir
        self.extra_env = dict(extra_env or {})  # more LOKAL_* settings for this server
        self.models_dir = workdir / "models"
        self.home = workdir / "home"
        self.log_path = workdir / "server.log"
        self.proc: subprocess.Popen | None = None
        self.port = 0
        self._log = None
        self.scheme = "http"        # "https" with LOKAL_TLS_CERT/KEY in extra_env
        self.verify = True          # requests' verify= (a CA file for a self-signed cert)

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}"

    def env(self) -> dict:
        env = client_env(self.host if self.scheme == "http" else f"{self.scheme}://{self.host}", self.home)
        env["LOKAL_MODELS"] = str(self.models_dir)
        env.update(self.extra_env)
        return env

    def start(self, ready_timeout: float = 60.0) -> None:
        self.models_dir.mkdir(parents=True, exist_ok=True)
        self.home.mkdir(parents=True, exist_ok=True)
        last_err = ""
        for _attempt in range(3):  # a port taken between probe and bind: try another
            self.port = free_port()
            self._log = open(self.log_path, "ab")
            self.proc = subprocess.Popen(
                [str(self.binary), "serve"],
                env=self.env(),
                cwd=self.workdir,
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            deadline = time.monotonic() + ready_timeout
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    break
                try:
                    r = requests.get(self.url + "/api/version", timeout=2, verify=self.verify)
                    if r.status_code == 200:
                        return
                except requests.RequestException:
                    pass
                time.sleep(0.1)
            if self.proc.poll() is None:
                self.stop()
                raise RuntimeError(
                    f"lokal serve did not answer GET /api/version within {ready_timeout}s\n"
                    + self.log_tail()
                )
            last_err = f"lokal serve exited with {self.proc.returncode}\n" + self.log_tail()
            self._log.close()
        raise RuntimeError(last_err)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, n: int = 60) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return "(no server log)"
        return "--- server log (tail) ---\n" + "\n".join(lines[-n:])

    def cpu_seconds(self) -> float:
        """CPU time (user+system) the server process has used so far."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / os.sysconf("SC_CLK_TCK")

    def cpu_load(self, seconds: float = 2.0) -> float:
        """Average number of cores the server keeps busy over `seconds`."""
        start = self.cpu_seconds()
        time.sleep(seconds)
        return (self.cpu_seconds() - start) / seconds

    def wait_idle(self, within: float) -> tuple[bool, float]:
        """(True, load) as soon as the server uses under IDLE_CORES over a 1 s
        window; (False, last load) if that does not happen within `within` s."""
        deadline = time.monotonic() + within
        load = float("nan")
        while time.monotonic() < deadline:
            load = self.cpu_load(1.0)
            if load < IDLE_CORES:
                return True, load
        return False, load

    def stop(self) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)
        if self._log:
            self._log.close()
        return self.proc.returncode


class Api:
    """Thin requests wrapper bound to one server."""

    def __init__(self, base_url: str):
        self.base = base_url
        self.s = requests.Session()

    def get(self, path, **kw):
        kw.setdefault("timeout", HTTP_TIMEOUT)
        return self.s.get(self.base + path, **kw)

    def head(self, path, **kw):
        kw.setdefault("timeout", HTTP_TIMEOUT)
        return self.s.head(self.base + path, **kw)

    def post(self, path, json_body=None, **kw):
        kw.setdefault("timeout", HTTP_TIMEOUT)
        if json_body is not None:
            kw["json"] = json_body
        return self.s.post(self.base + path, **kw)

    def delete(self, path, json_body=None, **kw):
        kw.setdefault("timeout", HTTP_TIMEOUT)
        if json_body is not None:
            kw["json"] = json_body
        return self.s.delete(self.base + path, **kw)

    def refusal(self, path, body, method="POST", timeout=30):
        """Sends a request that should be refused. If the server accepts it
        anyway (200), the answer is not read: the connection is closed at once,
        so a wrongly accepted generation cannot run on and slow the suite."""
        r = self.s.request(method, self.base + path, json=body, stream=True, timeout=timeout)
        if r.status_code == 200:
            r.close()
        else:
            _ = r.content
        return r

    # --- convenience wrappers that insist on success -------------------------

    def ok_json(self, r: requests.Response, what: str) -> dict:
        assert r.status_code == 200, f"{what}: HTTP {r.status_code}: {r.text[:500]}"
        return r.json()

    def generate(self, **body) -> dict:
        body.setdefault("stream", False)
        return self.ok_json(self.post("/api/generate", body), f"generate {body.get('model')}")

    def chat(self, **body) -> dict:
        body.setdefault("stream", False)
        return self.ok_json(self.post("/api/chat", body), f"chat {body.get('model')}")

    def show(self, model: str, **extra) -> dict:
        return self.ok_json(self.post("/api/show", {"model": model, **extra}), f"show {model}")

    def tags(self) -> list[dict]:
        return self.ok_json(self.get("/api/tags"), "tags")["models"]

    def ps(self) -> list[dict]:
        return self.ok_json(self.get("/api/ps"), "ps")["models"]

    def stream(self, path: str, body: dict) -> tuple[requests.Response, list[dict]]:
        """POSTs and reads the whole NDJSON stream; every line must be JSON."""
        r = self.post(path, body, stream=True)
        items = []
        if r.status_code == 200:
            for line in r.iter_lines():
                if not line.strip():
                    continue
                try:
                    items.append(json.loads(line))
                except json.JSONDecodeError as e:
                    raise AssertionError(f"stream line is not JSON: {line[:200]!r}") from e
        r.close()
        return r, items

    def push_blob(self, path: Path) -> str:
        digest = "sha256:" + sha256_file(path)
        with open(path, "rb") as f:
            r = self.post(f"/api/blobs/{digest}", data=f, timeout=600)
        assert r.status_code in (200, 201), f"push blob {path.name}: HTTP {r.status_code}: {r.text[:300]}"
        return digest

    def create(self, name: str, **body) -> dict:
        body = {"model": name, "stream": False, **body}
        r = self.post("/api/create", body, timeout=600)
        assert r.status_code == 200, f"create {name}: HTTP {r.status_code}: {r.text[:500]}"
        return r.json()

    def wait_unloaded(self, name: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not any(same_model(m.get("name"), name) for m in self.ps()):
                return True
            time.sleep(0.2)
        return False


def same_model(a: str | None, b: str) -> bool:
    """Compares model names the way Ollama does for display: a missing tag
    means ':latest'."""
    if a is None:
        return False

    def norm(n):
        return n if ":" in n.rsplit("/", 1)[-1] else n + ":latest"

    return norm(a) == norm(b)


def find_model(models: list[dict], name: str) -> dict | None:
    for m in models:
        if same_model(m.get("name") or m.get("model"), name):
            return m
    return None


_TS = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def parse_time(s: str) -> dt.datetime:
    """Parses Go's RFC 3339 timestamps (nanoseconds, Z or offset)."""
    m = _TS.match(s)
    assert m, f"not an RFC 3339 timestamp: {s!r}"
    frac = (m.group(2) or ".0")[1:7].ljust(6, "0")
    tz = m.group(3)
    tz = "+00:00" if tz == "Z" else tz
    return dt.datetime.fromisoformat(f"{m.group(1)}.{frac}{tz}")


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def error_of(r: requests.Response) -> str:
    """The `error` string of an Ollama-style error body; fails if absent."""
    try:
        body = r.json()
    except ValueError:
        raise AssertionError(f"error body is not JSON (HTTP {r.status_code}): {r.text[:300]!r}")
    assert isinstance(body, dict) and isinstance(body.get("error"), str) and body["error"], (
        f"error body must be {{\"error\": \"...\"}}, got {body!r}"
    )
    return body["error"]


def prompt_tokens(resp: dict) -> int:
    return resp["prompt_eval_count"]


ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][A-Za-z0-9]|\x1b[=>]|\r")


def strip_ansi(s: str) -> str:
    return ANSI.sub("", s)


def squash(s: str) -> str:
    """Whitespace-insensitive form of a text (for terminal output with wrapping)."""
    return " ".join(s.split())
