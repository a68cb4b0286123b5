"""Shared parts of the benchmarks: starting lokal and llama-server from the same build on
the same model, HTTP helpers, and writing a result table plus JSON to bench/results/."""

import contextlib
import datetime
import hashlib
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = Path(os.environ.get("LOKAL_BUILD", ROOT / "build"))
DEFAULT_MODEL = str(Path.home() / ".cache/lokal/models/gemma3-270m-q4_k_m.gguf")
# Both servers get the same flash attention: by default off, lokal's own choice for a model
# on the CPU only (llama-server's default there is on); BENCH_FLASH_ATTENTION=on or auto
# (each server's default, e.g. on a GPU) for other runs.
FLASH_ATTENTION = os.environ.get("BENCH_FLASH_ATTENTION", "off")
if FLASH_ATTENTION not in ("on", "off", "auto"):
    sys.exit("BENCH_FLASH_ATTENTION must be on, off or auto")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(url, body, timeout=600):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    return urllib.request.urlopen(req, timeout=timeout)


def stream_lines(response):
    """JSON objects of an NDJSON or SSE body, in order."""
    for line in response:
        line = line.strip()
        if line.startswith(b"data: "):
            line = line[6:]
        if not line or line == b"[DONE]" or line.startswith(b":"):
            continue  # blank, end of stream, or an SSE comment (llama-server pings during a long prompt)
        yield json.loads(line)


def wait_ready(url, proc, timeout=120):
    t0 = time.monotonic()
    while time.monotonic() < t0 + timeout:
        if proc.poll() is not None:
            sys.exit(f"server exited early: {proc.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return time.monotonic() - t0
        except Exception:  # noqa: BLE001 - not up yet
            time.sleep(0.02)
    sys.exit("server did not become ready")


def check_binaries():
    for exe in (BUILD / "lokal", BUILD / "bin" / "llama-server"):
        if not exe.exists():
            sys.exit(f"{exe} is missing: make build && cmake --build build --target llama-server")


class Server:
    def __init__(self, base, proc, ready_s):
        self.base, self.proc, self.ready_s = base, proc, ready_s

    def rss_bytes(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        return 0


def upload(base, path):
    """Puts a file into a lokal store as a blob, streamed (models are gigabytes); returns its digest."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 24):
            h.update(chunk)
    digest = "sha256:" + h.hexdigest()
    try:
        urllib.request.urlopen(urllib.request.Request(base + f"/api/blobs/{digest}", method="HEAD"))
        return digest  # already there
    except urllib.error.HTTPError:
        pass
    with open(path, "rb") as f:
        req = urllib.request.Request(base + f"/api/blobs/{digest}", data=f, method="POST",
                                     headers={"Content-Length": str(Path(path).stat().st_size)})
        urllib.request.urlopen(req, timeout=3600).read()
    return digest


@contextlib.contextmanager
def lokal(model, threads, parallel=1, env=None, store=None, create=True, name="bench"):
    """lokal serve with a store (a fresh temporary one unless given) holding `model` as `name`
    (unless create is false or the store has it already)."""
    port = free_port()
    with contextlib.ExitStack() as stack:
        store = store or stack.enter_context(tempfile.TemporaryDirectory())
        fa = {"on": "true", "off": "false", "auto": "auto"}[FLASH_ATTENTION]
        e = dict(os.environ, LOKAL_HOST=f"127.0.0.1:{port}", LOKAL_MODELS=store, LOKAL_NUM_PARALLEL=str(parallel),
                 LOKAL_NUM_THREADS=str(threads), LOKAL_FLASH_ATTENTION=fa)
        e.update(env or {})
        proc = subprocess.Popen([str(BUILD / "lokal"), "serve"], env=e, stderr=subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{port}"
            ready = wait_ready(base + "/api/version", proc)
            if create and not (Path(store) / f"manifests/registry.ollama.ai/library/{name}/latest").exists():
                digest = upload(base, model)
                post(base + "/api/create", {"model": name, "files": {"m.gguf": digest}, "stream": False}).read()
            yield Server(base, proc, ready)
        finally:
            proc.terminate()
            proc.wait(30)


@contextlib.contextmanager
def llama_server(model, threads, parallel=1, ctx=4096, extra=()):
    """llama-server with `parallel` slots of `ctx` tokens each (its -c is the total)."""
    port = free_port()
    cmd = [str(BUILD / "bin" / "llama-server"), "-m", model, "--host", "127.0.0.1", "--port", str(port),
           "-c", str(ctx * parallel), "-np", str(parallel), "-t", str(threads), "-tb", str(threads),
           "--no-warmup", "-fa", FLASH_ATTENTION, *extra]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        ready = wait_ready(base + "/health", proc)
        yield Server(base, proc, ready)
    finally:
        proc.terminate()
        proc.wait(30)


def percentile(values, p):
    v = sorted(values)
    if not v:
        return float("nan")
    k = (len(v) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


def commit():
    return subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                          text=True).stdout.strip()


def meta(model, **extra):
    return {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"), "commit": commit(),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores", "model": Path(model).name,
            "flash_attention": FLASH_ATTENTION, **extra}


def row(metric, lokal_value, llama_value, higher_is_better=True):
    ratio = lokal_value / llama_value if llama_value else float("nan")
    return {"metric": metric, "lokal": lokal_value, "llama_server": llama_value, "ratio": ratio,
            "higher_is_better": higher_is_better}


def report(name, title, m, rows, raw):
    """Prints the Markdown table and writes bench/results/<name>-<date>-<commit>[-N].json."""
    print(f"{title}, {m['model']}, {m['machine']}, commit {m['commit']}\n")
    print("| metric | lokal | llama-server | lokal / llama-server |")
    print("|---|---|---|---|")
    for r in rows:
        note = "" if r["higher_is_better"] else " (lower is better)"
        print(f"| {r['metric']} | {r['lokal']:.3f} | {r['llama_server']:.3f} | {r['ratio']:.3f}{note} |")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    stem = f"{name}-{m['date'][:10]}-{m['commit']}"
    path, n = out / f"{stem}.json", 1
    while path.exists():  # a second run on the same commit keeps the first
        n += 1
        path = out / f"{stem}-{n}.json"
    path.write_text(json.dumps({"meta": m, "rows": rows, "raw": raw}, indent=2) + "\n")
    print(f"\nwritten to {path.relative_to(ROOT)}")
