#!/usr/bin/env python3
"""Decode speed against the memory-bandwidth roofline, on synthetic models in real shapes.

CPU decoding reads every weight once per generated token, so tokens/s can never exceed
memory bandwidth / model bytes. This benchmark
1. measures the machine's read bandwidth (bench/bandwidth.c, one thread per core), before and
   after each model's runs, and takes the best of all measurements;
2. builds synthetic models with random weights in the shapes of real ones
   (scripts/make-synthetic-model.py), quantized to Q4_K_M by lokal itself, cached in
   ~/.cache/lokal/synthetic/;
3. measures single-stream decode of lokal and llama-server (same build, threads, one slot);
4. reports each as a fraction of the roofline, and lokal against llama-server.

    bench/roofline.py [--shapes llama3.2-1b,llama3.2-3b] [--runs 3] [--rounds 2] [--repeat-penalty 1.0]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import urllib.error
from pathlib import Path

import common
import single_stream

CACHE = Path.home() / ".cache/lokal/synthetic"


def bandwidth():
    """The machine's read bandwidth, bytes/s: the best of three measurements (a shared host's
    bandwidth drifts by a quarter over minutes; the best one gives the highest, strictest roofline)."""
    exe = common.BUILD / "bandwidth"
    subprocess.run(["cc", "-O2", "-pthread", str(common.ROOT / "bench/bandwidth.c"), "-o", str(exe)], check=True)
    return max(float(subprocess.run([str(exe), "2048"], capture_output=True, text=True, check=True).stdout)
               for _ in range(3))


def quantized_model(shape, threads):
    """The Q4_K_M GGUF of a synthetic shape: made and quantized once, then reused."""
    store = CACHE / "store"
    manifest = store / f"manifests/registry.ollama.ai/library/{shape}/latest"
    if not manifest.exists():
        f16 = CACHE / f"{shape}-f16.gguf"
        if not f16.exists():
            CACHE.mkdir(parents=True, exist_ok=True)
            subprocess.run([sys.executable, str(common.ROOT / "scripts/make-synthetic-model.py"), shape, str(f16)],
                           check=True)
        with common.lokal(str(common.ROOT / "README.md"), threads, store=str(store), create=False) as srv:
            digest = common.upload(srv.base, f16)
            print(f"{shape}: quantizing to Q4_K_M", file=sys.stderr)
            try:
                common.post(srv.base + "/api/create", {"model": shape, "files": {"m.gguf": digest},
                                                       "quantize": "q4_K_M", "stream": False}, timeout=7200).read()
            except urllib.error.HTTPError as e:
                sys.exit(f"{shape}: create failed: {e.code} {e.read().decode(errors='replace')}")
        f16.unlink()
    layers = json.loads(manifest.read_text())["layers"]
    digest = next(l["digest"] for l in layers if l["mediaType"] == "application/vnd.ollama.image.model")
    return store / "blobs" / digest.replace(":", "-")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shapes", default="llama3.2-1b")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--rounds", type=int, default=2, help="alternate the two servers this many times")
    ap.add_argument("--repeat-penalty", type=float, default=1.1, help="for both servers (1.1: Ollama's default)")
    args = ap.parse_args()
    common.check_binaries()

    bw = bandwidth()
    rows, raw = [], {}
    for shape in args.shapes.split(","):
        model = quantized_model(shape, args.threads)
        size = model.stat().st_size
        lk, ls = [], []
        for _ in range(args.rounds):
            # lokal serves the very blob llama-server reads, from the synthetic store.
            lk += single_stream.bench_lokal(str(model), args.runs, args.threads, 2048, args.repeat_penalty,
                                            store=str(CACHE / "store"), name=shape)
            ls += single_stream.bench_llama_server(str(model), args.runs, args.threads, 2048, args.repeat_penalty)
        bw = max(bw, bandwidth())  # measured again after the runs: the strictest of all counts
        ceiling = bw / size
        tg_lk = statistics.median(r["tg"] for r in lk)
        tg_ls = statistics.median(r["tg"] for r in ls)
        rows.append(common.row(f"{shape} Q4_K_M decode, tokens/s", tg_lk, tg_ls))
        rows.append(common.row(f"{shape} fraction of roofline ({ceiling:.1f} tokens/s)", tg_lk / ceiling,
                               tg_ls / ceiling))
        raw[shape] = {"model_bytes": size, "bandwidth_bytes_per_s": bw, "roofline_tokens_per_s": ceiling, "lokal": lk,
                      "llama_server": ls}
    m = common.meta(args.shapes, threads=args.threads, runs=args.runs, rounds=args.rounds,
                    repeat_penalty=args.repeat_penalty, bandwidth_gb_s=round(bw / 1e9, 2))
    common.report("roofline", f"decode against the bandwidth roofline ({bw / 1e9:.1f} GB/s)", m, rows, raw)


if __name__ == "__main__":
    main()
