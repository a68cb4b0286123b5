#!/usr/bin/env python3
"""Single-stream speed of lokal against llama-server from the same llama.cpp build.

Both servers run one after the other on the same model, threads, context size and one
slot. Each run sends a fresh ~512-token prompt (no prefix cache can help) and asks for
128 tokens with greedy sampling; the servers' own timings give prompt-processing and
decode tokens/s, the client measures time to first token. Prints a Markdown table and
writes JSON next to it (bench/results/).

    bench/single_stream.py [--model PATH] [--runs N]
"""

import argparse
import datetime
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(url, body, stream=False):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    return urllib.request.urlopen(req, timeout=600)


def wait_ready(url, proc, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"server exited early: {proc.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except Exception:  # noqa: BLE001 - not up yet
            time.sleep(0.2)
    sys.exit("server did not become ready")


def prompt(i):
    # About 512 tokens of varied English text; the run number up front defeats prefix caches.
    words = ("the quick brown fox jumps over a lazy dog while seven bright stars "
             "shine above quiet hills and rivers flow to distant seas").split()
    return f"Run {i}. " + " ".join(words[(k * 7 + i) % len(words)] for k in range(470))


def ttft(url, body, first_key):
    t0 = time.monotonic()
    with post(url, body) as r:
        for line in r:
            line = line.strip()
            if line.startswith(b"data: "):
                line = line[6:]
            if not line or line == b"[DONE]":
                continue
            obj = json.loads(line)
            if obj.get(first_key):
                return time.monotonic() - t0
    return float("nan")


def bench_lokal(model, runs, threads, ctx):
    port = free_port()
    with tempfile.TemporaryDirectory() as store:
        env = dict(os.environ, LOKAL_HOST=f"127.0.0.1:{port}", LOKAL_MODELS=store, LOKAL_NUM_PARALLEL="1",
                   LOKAL_NUM_THREADS=str(threads))
        proc = subprocess.Popen([str(BUILD / "lokal"), "serve"], env=env, stderr=subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_ready(base + "/api/version", proc)
            data = Path(model).read_bytes()
            import hashlib
            digest = "sha256:" + hashlib.sha256(data).hexdigest()
            urllib.request.urlopen(urllib.request.Request(base + f"/api/blobs/{digest}", data=data, method="POST"))
            post(base + "/api/create", {"model": "bench", "files": {"m.gguf": digest}, "stream": False}).read()
            opts = {"num_ctx": ctx, "num_predict": 128, "temperature": 0}
            post(base + "/api/generate", {"model": "bench", "prompt": "warm up", "raw": True, "stream": False,
                                          "options": dict(opts, num_predict=4)}).read()
            out = []
            for i in range(runs):
                g = json.load(post(base + "/api/generate", {"model": "bench", "prompt": prompt(i), "raw": True,
                                                            "stream": False, "options": opts}))
                t = ttft(base + "/api/generate", {"model": "bench", "prompt": prompt(1000 + i), "raw": True,
                                                  "options": dict(opts, num_predict=2)}, "response")
                out.append({"pp": g["prompt_eval_count"] / g["prompt_eval_duration"] * 1e9,
                            "tg": g["eval_count"] / g["eval_duration"] * 1e9, "ttft": t,
                            "prompt_tokens": g["prompt_eval_count"], "gen_tokens": g["eval_count"]})
            return out
        finally:
            proc.terminate()
            proc.wait(30)


def bench_llama_server(model, runs, threads, ctx):
    port = free_port()
    cmd = [str(BUILD / "bin" / "llama-server"), "-m", model, "--host", "127.0.0.1", "--port", str(port),
           "-c", str(ctx), "-np", "1", "-t", str(threads), "-tb", str(threads), "--no-warmup"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_ready(base + "/health", proc)
        post(base + "/completion", {"prompt": "warm up", "n_predict": 4}).read()
        out = []
        for i in range(runs):
            r = json.load(post(base + "/completion", {"prompt": prompt(i), "n_predict": 128, "temperature": 0,
                                                      "cache_prompt": False}))
            tm = r["timings"]
            t = ttft(base + "/completion", {"prompt": prompt(1000 + i), "n_predict": 2, "stream": True,
                                            "cache_prompt": False}, "content")
            out.append({"pp": tm["prompt_per_second"], "tg": tm["predicted_per_second"], "ttft": t,
                        "prompt_tokens": tm["prompt_n"], "gen_tokens": tm["predicted_n"]})
        return out
    finally:
        proc.terminate()
        proc.wait(30)


def median(rows, key):
    return statistics.median(r[key] for r in rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=str(Path.home() / ".cache/lokal/models/gemma3-270m-q4_k_m.gguf"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--ctx", type=int, default=4096)
    args = ap.parse_args()
    for exe in (BUILD / "lokal", BUILD / "bin" / "llama-server"):
        if not exe.exists():
            sys.exit(f"{exe} is missing: make build && cmake --build build --target llama-server")

    lk = bench_lokal(args.model, args.runs, args.threads, args.ctx)
    ls = bench_llama_server(args.model, args.runs, args.threads, args.ctx)
    rows = []
    for key, label, higher in (("pp", "prompt processing, tokens/s", True), ("tg", "decode, tokens/s", True),
                               ("ttft", "time to first token, s", False)):
        a, b = median(lk, key), median(ls, key)
        rows.append({"metric": label, "lokal": a, "llama_server": b, "ratio": a / b if b else float("nan"),
                     "higher_is_better": higher})
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    meta = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"), "commit": commit,
            "machine": f"{platform.machine()}, {os.cpu_count()} cores", "model": Path(args.model).name,
            "threads": args.threads, "ctx": args.ctx, "runs": args.runs,
            "prompt_tokens": median(lk, "prompt_tokens")}
    print(f"single stream, {meta['model']}, {meta['machine']}, commit {commit}, median of {args.runs} runs\n")
    print("| metric | lokal | llama-server | lokal / llama-server |")
    print("|---|---|---|---|")
    for r in rows:
        print(f"| {r['metric']} | {r['lokal']:.3f} | {r['llama_server']:.3f} | {r['ratio']:.3f} |")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"single_stream-{meta['date'][:10]}-{commit}.json"
    path.write_text(json.dumps({"meta": meta, "rows": rows, "lokal": lk, "llama_server": ls}, indent=2) + "\n")
    print(f"\nwritten to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
