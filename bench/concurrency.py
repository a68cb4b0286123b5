#!/usr/bin/env python3
"""Aggregate decode throughput and time to first token with N concurrent streaming
clients, lokal against llama-server with the same number of slots (N), the same model,
threads and per-slot context.

Each client sends its own short prompt (unique, so no prefix is shared) and streams 128
greedy tokens with the same repeat penalty on both servers; every client starts at once. Aggregate tokens/s = all generated tokens /
wall time from the first request to the last end. TTFT p50/p99 over all requests of a
round; the best of `--rounds` rounds (by throughput) is kept for each server.

    bench/concurrency.py [--clients 1,4,16] [--tokens 128] [--rounds 2] [--repeat-penalty 1.0]
"""

import argparse
import os
import threading
import time

import common


def client_prompt(n, i):
    return f"Client {n}-{i} writes a short story about a lighthouse keeper and a fox named {i}."


def one_stream(url, body, key, out):
    t0 = time.monotonic()
    first, tokens = None, 0
    with common.post(url, body) as r:
        for obj in common.stream_lines(r):
            if obj.get(key):
                tokens += 1
                first = first or time.monotonic() - t0
            # The final object counts tokens exactly (a chunk may hold more than one).
            tokens = obj.get("eval_count", obj.get("tokens_predicted", tokens))
    out.append({"ttft": first if first is not None else float("nan"), "tokens": tokens})


def round_(url, bodies, key):
    results, threads = [], []
    t0 = time.monotonic()
    for b in bodies:
        t = threading.Thread(target=one_stream, args=(url, b, key, results))
        t.start()
        threads.append(t)
    for t in threads:
        t.join()
    wall = time.monotonic() - t0
    ttfts = [r["ttft"] for r in results]
    total = sum(r["tokens"] for r in results)
    return {"tok_s": total / wall, "tokens": total, "wall_s": wall,
            "ttft_p50": common.percentile(ttfts, 50), "ttft_p99": common.percentile(ttfts, 99)}


def bench(kind, model, threads, n, tokens, ctx, rounds, penalty):
    best = None
    if kind == "lokal":
        cm = common.lokal(model, threads, parallel=n)
    else:
        cm = common.llama_server(model, threads, parallel=n, ctx=ctx)
    with cm as srv:
        for r in range(rounds + 1):  # round 0 warms up
            if kind == "lokal":
                url, key = srv.base + "/api/generate", "response"
                bodies = [{"model": "bench", "prompt": client_prompt(r, i), "raw": True,
                           "options": {"num_ctx": ctx, "num_predict": tokens, "temperature": 0,
                                       "repeat_penalty": penalty, "repeat_last_n": 64}} for i in range(n)]
            else:
                url, key = srv.base + "/completion", "content"
                bodies = [{"prompt": client_prompt(r, i), "n_predict": tokens, "temperature": 0, "stream": True,
                           "repeat_penalty": penalty, "repeat_last_n": 64} for i in range(n)]
            res = round_(url, bodies, key)
            if r > 0 and (best is None or res["tok_s"] > best["tok_s"]):
                best = res
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=common.DEFAULT_MODEL)
    ap.add_argument("--clients", default="1,4,16")
    ap.add_argument("--tokens", type=int, default=128)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--ctx", type=int, default=1024)
    ap.add_argument("--repeat-penalty", type=float, default=1.1, help="for both servers (1.1: Ollama's default)")
    args = ap.parse_args()
    common.check_binaries()

    rows, raw = [], {}
    for n in (int(x) for x in args.clients.split(",")):
        lk = bench("lokal", args.model, args.threads, n, args.tokens, args.ctx, args.rounds, args.repeat_penalty)
        ls = bench("llama-server", args.model, args.threads, n, args.tokens, args.ctx, args.rounds, args.repeat_penalty)
        raw[n] = {"lokal": lk, "llama_server": ls}
        rows += [common.row(f"{n} clients: aggregate decode, tokens/s", lk["tok_s"], ls["tok_s"]),
                 common.row(f"{n} clients: TTFT p50, s", lk["ttft_p50"], ls["ttft_p50"], False),
                 common.row(f"{n} clients: TTFT p99, s", lk["ttft_p99"], ls["ttft_p99"], False)]
    m = common.meta(args.model, threads=args.threads, ctx_per_slot=args.ctx, tokens=args.tokens,
                    rounds=args.rounds, repeat_penalty=args.repeat_penalty)
    common.report("concurrency", f"concurrent streams ({args.clients} clients, slots = clients)", m, rows, raw)


if __name__ == "__main__":
    main()
