#!/usr/bin/env python3
"""Single-stream speed of lokal against llama-server from the same llama.cpp build.

Both servers run one after the other on the same model, threads, context size, sampling
and one slot, taking turns --rounds times (the machine's speed drifts by 10% over minutes).
Each run sends a fresh ~512-token prompt (no prefix cache can help) and asks for 128 tokens
with greedy sampling and the same repeat penalty; the servers' own timings give
prompt-processing and decode tokens/s, the client measures time to first token.
--prompt-words makes the prompt longer, to measure decoding deep into a context.

    bench/single_stream.py [--model PATH] [--runs N] [--rounds N] [--repeat-penalty 1.0] [--prompt-words 470]
"""

import argparse
import json
import os
import statistics
import time

import common


PROMPT_WORDS = 470  # about 512 tokens for Gemma 3 (--prompt-words)


def prompt(i):
    # Varied English text; the run number up front defeats prefix caches.
    words = ("the quick brown fox jumps over a lazy dog while seven bright stars "
             "shine above quiet hills and rivers flow to distant seas").split()
    return f"Run {i}. " + " ".join(words[(k * 7 + i) % len(words)] for k in range(PROMPT_WORDS))


def ttft(url, body, first_key):
    t0 = time.monotonic()
    with common.post(url, body) as r:
        for obj in common.stream_lines(r):
            if obj.get(first_key):
                return time.monotonic() - t0
    return float("nan")


def bench_lokal(model, runs, threads, ctx, penalty, store=None, name="bench"):
    with common.lokal(model, threads, store=store, name=name) as srv:
        gen = srv.base + "/api/generate"
        opts = {"num_ctx": ctx, "num_predict": 128, "temperature": 0, "repeat_penalty": penalty, "repeat_last_n": 64}
        common.post(gen, {"model": name, "prompt": "warm up", "raw": True, "stream": False,
                          "options": dict(opts, num_predict=4)}).read()
        out = []
        for i in range(runs):
            g = json.load(common.post(gen, {"model": name, "prompt": prompt(i), "raw": True, "stream": False,
                                            "options": opts}))
            t = ttft(gen, {"model": name, "prompt": prompt(1000 + i), "raw": True,
                           "options": dict(opts, num_predict=2)}, "response")
            out.append({"pp": g["prompt_eval_count"] / g["prompt_eval_duration"] * 1e9,
                        "tg": g["eval_count"] / g["eval_duration"] * 1e9, "ttft": t,
                        "prompt_tokens": g["prompt_eval_count"], "gen_tokens": g["eval_count"]})
        return out


def bench_llama_server(model, runs, threads, ctx, penalty):
    with common.llama_server(model, threads, ctx=ctx) as srv:
        url = srv.base + "/completion"
        common.post(url, {"prompt": "warm up", "n_predict": 4}).read()
        out = []
        for i in range(runs):
            r = json.load(common.post(url, {"prompt": prompt(i), "n_predict": 128, "temperature": 0,
                                            "repeat_penalty": penalty, "repeat_last_n": 64, "cache_prompt": False}))
            tm = r["timings"]
            t = ttft(url, {"prompt": prompt(1000 + i), "n_predict": 2, "stream": True, "cache_prompt": False},
                     "content")
            out.append({"pp": tm["prompt_per_second"], "tg": tm["predicted_per_second"], "ttft": t,
                        "prompt_tokens": tm["prompt_n"], "gen_tokens": tm["predicted_n"]})
        return out


def main():
    global PROMPT_WORDS
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=common.DEFAULT_MODEL)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--ctx", type=int, default=4096)
    ap.add_argument("--rounds", type=int, default=3,
                    help="alternate the two servers this many times (the machine's speed drifts)")
    ap.add_argument("--repeat-penalty", type=float, default=1.1,
                    help="for both servers, over the last 64 tokens (1.1: Ollama's default; 1.0: off)")
    ap.add_argument("--prompt-words", type=int, default=PROMPT_WORDS, help="words of each prompt")
    args = ap.parse_args()
    common.check_binaries()
    PROMPT_WORDS = args.prompt_words

    lk, ls = [], []
    for _ in range(args.rounds):
        lk += bench_lokal(args.model, args.runs, args.threads, args.ctx, args.repeat_penalty)
        ls += bench_llama_server(args.model, args.runs, args.threads, args.ctx, args.repeat_penalty)
    med = lambda rows, key: statistics.median(r[key] for r in rows)  # noqa: E731
    rows = [common.row("prompt processing, tokens/s", med(lk, "pp"), med(ls, "pp")),
            common.row("decode, tokens/s", med(lk, "tg"), med(ls, "tg")),
            common.row("time to first token, s", med(lk, "ttft"), med(ls, "ttft"), higher_is_better=False)]
    m = common.meta(args.model, threads=args.threads, ctx=args.ctx, runs=args.runs, rounds=args.rounds,
                    repeat_penalty=args.repeat_penalty, prompt_words=PROMPT_WORDS,
                    prompt_tokens=med(lk, "prompt_tokens"))
    common.report("single_stream", f"single stream, median of {args.rounds} x {args.runs} runs, repeat_penalty {args.repeat_penalty}", m, rows,
                  {"lokal": lk, "llama_server": ls})


if __name__ == "__main__":
    main()
