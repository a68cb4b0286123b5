#!/usr/bin/env python3
"""Server overhead, lokal against llama-server from the same build and model:
- requests/s of a cheap listing route (lokal `/api/tags`, llama-server `/v1/models`) on
  loopback, both driven by the same load generator (wrk, `apt-get install wrk`);
- resident memory with the model loaded and idle;
- cold start: process start to the first generated token (lokal's store already holds
  the model; llama-server loads it before it answers /health, lokal on first use).

    bench/overhead.py [--seconds 5] [--connections 16]
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import common


def wrk(url, seconds, connections):
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", url], capture_output=True, text=True,
                         check=True).stdout
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def first_token(url, body):
    with common.post(url, body) as r:
        return json.load(r)


def lokal_figures(model, threads, seconds, connections):
    with tempfile.TemporaryDirectory() as store:
        with common.lokal(model, threads, store=store) as srv:
            rps = wrk(srv.base + "/api/tags", seconds, connections)
            first_token(srv.base + "/api/generate", {"model": "bench", "prompt": "hi", "raw": True, "stream": False,
                                                     "options": {"num_predict": 1}})
            time.sleep(1)
            rss = srv.rss_bytes()
        t0 = time.monotonic()
        with common.lokal(model, threads, store=store) as srv:
            first_token(srv.base + "/api/generate", {"model": "bench", "prompt": "hi", "raw": True, "stream": False,
                                                     "options": {"num_predict": 1}})
            cold = time.monotonic() - t0
    return {"rps": rps, "rss": rss, "cold_start_s": cold}


def llama_server_figures(model, threads, seconds, connections):
    t0 = time.monotonic()
    with common.llama_server(model, threads) as srv:
        first_token(srv.base + "/completion", {"prompt": "hi", "n_predict": 1})
        cold = time.monotonic() - t0
        rps = wrk(srv.base + "/v1/models", seconds, connections)
        time.sleep(1)
        rss = srv.rss_bytes()
    return {"rps": rps, "rss": rss, "cold_start_s": cold}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=common.DEFAULT_MODEL)
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    args = ap.parse_args()
    common.check_binaries()
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install wrk")

    lk = lokal_figures(args.model, args.threads, args.seconds, args.connections)
    ls = llama_server_figures(args.model, args.threads, args.seconds, args.connections)
    mib = 1 << 20
    rows = [common.row("listing route, requests/s", lk["rps"], ls["rps"]),
            common.row("RSS with the model loaded, MiB", lk["rss"] / mib, ls["rss"] / mib, False),
            common.row("cold start to first token, s", lk["cold_start_s"], ls["cold_start_s"], False)]
    m = common.meta(args.model, threads=args.threads, seconds=args.seconds, connections=args.connections)
    common.report("overhead", "server overhead", m, rows, {"lokal": lk, "llama_server": ls})


if __name__ == "__main__":
    main()
