#!/usr/bin/env python3
"""Speculative decoding, each server against its own plain decoding:

- prompt lookup (default): lokal's `ngram_draft` against llama-server's
  `--spec-type ngram-simple`, on a task where the answer repeats its prompt (continuing a
  listing that was shown twice already), which is where lookup pays: code edits, quoting.
- a draft model (--draft-model PATH): lokal with a model created with that DRAFT and
  `draft_num_predict` N against llama-server `--spec-type draft-simple -md PATH
  --spec-draft-n-max N`, on the same task. The draft must share the model's vocabulary;
  acceptance depends on how well it predicts the model (the model itself as its own draft
  is the best case; random weights the worst).

Reports decode tokens/s with and without drafting for each server and lokal's acceptance
rate from /metrics. Greedy sampling, 256 tokens, one slot.

    bench/speculative.py [--model PATH] [--runs N] [--draft 8]
    bench/speculative.py --draft-model PATH [--draft-max 4] [--model PATH] [--runs N]
"""

import argparse
import hashlib
import json
import os
import re
import statistics
import urllib.error
import urllib.request
from pathlib import Path

import common

LISTING = """def parse_header(line):
    key, _, value = line.partition(":")
    return key.strip().lower(), value.strip()


def read_headers(lines):
    headers = {}
    for line in lines:
        if not line:
            break
        key, value = parse_header(line)
        headers[key] = value
    return headers
"""


def prompt(i):
    # The run number up front defeats prefix caches; the listing twice makes the third copy predictable.
    return f"# file {i}\n{LISTING}\n# copy\n{LISTING}\n# copy\n" + LISTING[:40]


def counter(base, name):
    text = urllib.request.urlopen(base + "/metrics", timeout=30).read().decode()
    m = re.search(rf"^{name} (\S+)$", text, re.M)
    return float(m.group(1)) if m else 0.0


def create_drafted(base, draft_model):
    """Adds "bench-drafted": the "bench" model with draft_model as its DRAFT."""
    data = Path(draft_model).read_bytes()
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    # The model as its own draft is already there: the server answers at once
    # and closes a large upload it does not need, so ask first.
    try:
        urllib.request.urlopen(urllib.request.Request(base + f"/api/blobs/{digest}", method="HEAD"))
    except urllib.error.HTTPError:
        urllib.request.urlopen(urllib.request.Request(base + f"/api/blobs/{digest}", data=data, method="POST"))
    common.post(base + "/api/create", {"model": "bench-drafted", "from": "bench", "draft": {"draft.gguf": digest},
                                       "stream": False}).read()


def lokal_runs(model, runs, threads, draft, draft_model=None):
    """draft: ngram_draft, or with draft_model, draft_num_predict (0: plain decoding)."""
    with common.lokal(model, threads) as srv:
        gen = srv.base + "/api/generate"
        opts = {"num_predict": 256, "temperature": 0, "ngram_draft": 0 if draft_model else draft,
                "draft_num_predict": draft if draft_model else 0}
        name = "bench"
        if draft_model and draft:
            create_drafted(srv.base, draft_model)
            name = "bench-drafted"
        common.post(gen, {"model": name, "prompt": "warm up", "raw": True, "stream": False,
                          "options": dict(opts, num_predict=4)}).read()
        d0, a0 = counter(srv.base, "lokal_draft_tokens_total"), counter(srv.base, "lokal_draft_accepted_tokens_total")
        out = []
        for i in range(runs):
            g = json.load(common.post(gen, {"model": name, "prompt": prompt(i), "raw": True, "stream": False,
                                            "options": opts}))
            out.append({"tg": g["eval_count"] / g["eval_duration"] * 1e9, "tokens": g["eval_count"]})
        drafted = counter(srv.base, "lokal_draft_tokens_total") - d0
        accepted = counter(srv.base, "lokal_draft_accepted_tokens_total") - a0
        return out, (accepted / drafted if drafted else 0.0)


def llama_server_runs(model, runs, threads, draft, draft_model=None):
    extra = ()
    if draft and draft_model:
        extra = ("--spec-type", "draft-simple", "-md", draft_model, "--spec-draft-n-max", str(draft))
    elif draft:
        extra = ("--spec-type", "ngram-simple", "--spec-ngram-simple-size-n", "3",
                 "--spec-ngram-simple-size-m", str(draft))
    with common.llama_server(model, threads, extra=extra) as srv:
        url = srv.base + "/completion"
        common.post(url, {"prompt": "warm up", "n_predict": 4}).read()
        out = []
        for i in range(runs):
            r = json.load(common.post(url, {"prompt": prompt(i), "n_predict": 256, "temperature": 0,
                                            "cache_prompt": False}))
            tm = r["timings"]
            out.append({"tg": tm["predicted_per_second"], "tokens": tm["predicted_n"]})
        return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=common.DEFAULT_MODEL)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--draft", type=int, default=8)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--draft-model", help="a GGUF with the model's vocabulary: compare draft-model decoding")
    ap.add_argument("--draft-max", type=int, default=4, help="tokens the draft model guesses per step")
    args = ap.parse_args()
    common.check_binaries()

    dm = args.draft_model
    n = args.draft_max if dm else args.draft
    lk_plain, _ = lokal_runs(args.model, args.runs, args.threads, 0)
    lk_spec, acceptance = lokal_runs(args.model, args.runs, args.threads, n, dm)
    ls_plain = llama_server_runs(args.model, args.runs, args.threads, 0)
    ls_spec = llama_server_runs(args.model, args.runs, args.threads, n, dm)
    med = lambda rows: statistics.median(r["tg"] for r in rows)  # noqa: E731
    what = f"draft-model ({Path(dm).name}) drafts of {n}" if dm else f"n-gram drafts of {n}"
    rows = [common.row("decode tokens/s, no drafting", med(lk_plain), med(ls_plain)),
            common.row(f"decode tokens/s, {what}", med(lk_spec), med(ls_spec)),
            common.row("speed-up from drafting (x)", med(lk_spec) / med(lk_plain), med(ls_spec) / med(ls_plain))]
    m = common.meta(args.model, threads=args.threads, runs=args.runs, draft=n,
                    draft_model=Path(dm).name if dm else None, lokal_acceptance_rate=round(acceptance, 3))
    title = "draft-model decoding" if dm else "prompt-lookup decoding"
    common.report("speculative-draft" if dm else "speculative", f"{title}, median of {args.runs} runs "
                  f"(lokal acceptance {acceptance:.0%})", m, rows,
                  {"lokal": {"plain": lk_plain, "draft": lk_spec},
                   "llama_server": {"plain": ls_plain, "draft": ls_spec}})


if __name__ == "__main__":
    main()
