"""Speculative decoding with a DRAFT model (options draft_num_predict,
draft_min, draft_p_min; LOKAL_DRAFT_NUM_PREDICT): the draft model guesses
tokens, the model verifies them in its own batch, so the output is exactly
what decoding without a draft gives (greedy, seeded, streamed, stopped,
shifted, with several slots at once) and /metrics counts the guesses. A
draft whose vocabulary differs is refused when the model loads.

Drafts: stories260K itself (its guesses are nearly always right) and a copy
with noise in its weights (often wrong, which exercises the rejections)."""

import random
import re
import struct
import threading

import pytest
import requests

from gguf_meta import read_metadata
from gguf_write import _kv, read_layout, write_gguf
from lokal_helpers import HTTP_TIMEOUT, STORIES_GGUF, Api, LokalServer, error_of
from test_metrics import scrape

CACHED = ("lokal_cached_prompt_tokens_total", "")

PROMPT = "Once upon a time, there was a little girl named Lily. She loved to play"


def noisy_copy(src, dst, scale=0.2, seed=3):
    """The model with every block weight scaled by 1 + N(0, scale)."""
    g = read_layout(src)
    rng = random.Random(seed)
    for t in g["tensors"]:
        if t["type"] != 0 or len(t["dims"]) != 2 or not t["name"].startswith("blk."):
            continue
        n = t["dims"][0] * t["dims"][1]
        vals = struct.unpack_from(f"<{n}f", t["data"])
        t["data"] = struct.pack(f"<{n}f", *(v * (1 + rng.gauss(0, scale)) for v in vals)) + t["data"][4 * n:]
    write_gguf(dst, [raw for _, raw in g["kvs"]], g["tensors"], g["alignment"], g["version"])


def renamed_token_copy(src, dst, index, text):
    """The model with one token's text changed: same size, other vocabulary."""
    g = read_layout(src)
    tokens = read_metadata(src, keep_arrays=True)["tokenizer.ggml.tokens"]
    tokens[index] = text
    payload = struct.pack("<IQ", 8, len(tokens)) + b"".join(
        struct.pack("<Q", len(t.encode())) + t.encode() for t in tokens)
    kvs = [_kv(key, 9, payload) if key == "tokenizer.ggml.tokens" else raw for key, raw in g["kvs"]]
    write_gguf(dst, kvs, g["tensors"], g["alignment"], g["version"])


@pytest.fixture(scope="module")
def srv(binary, tmp_path_factory):
    """A server of this module's own with four slots (LOKAL_NUM_PARALLEL)."""
    s = LokalServer(binary, tmp_path_factory.mktemp("draft"), extra_env={"LOKAL_NUM_PARALLEL": "4"})
    s.start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def dapi(srv):
    return Api(srv.url)


@pytest.fixture(scope="module")
def models(dapi, tmp_path_factory):
    """{"plain", "self", "noisy"}: stories260K without a draft, drafted by
    itself, and drafted by a noisy copy of itself."""
    work = tmp_path_factory.mktemp("drafts")
    digest = dapi.push_blob(STORIES_GGUF)
    noisy_copy(STORIES_GGUF, work / "noisy.gguf")
    noisy = dapi.push_blob(work / "noisy.gguf")
    dapi.create("plain", files={"stories260K.gguf": digest})
    dapi.create("self", files={"stories260K.gguf": digest}, draft="plain")
    dapi.create("noisy", files={"stories260K.gguf": digest}, draft={"noisy.gguf": noisy})
    return {"plain": "plain", "self": "self", "noisy": "noisy"}


def gen(api, model, prompt=PROMPT, **options):
    r = api.post("/api/generate", {"model": model, "prompt": prompt, "stream": False,
                                   "options": {"num_predict": 48, "temperature": 0, **options}})
    assert r.status_code == 200, r.text
    return r.json()


def counters(api):
    text = api.get("/metrics").text
    out = []
    for name in ("lokal_draft_tokens_total", "lokal_draft_accepted_tokens_total"):
        m = re.search(rf"^{name} (\S+)$", text, re.M)
        assert m, f"{name} missing from /metrics"
        out.append(float(m.group(1)))
    return out


@pytest.mark.parametrize("draft", ["self", "noisy"])
def test_greedy_output_is_unchanged_and_drafts_are_counted(dapi, models, draft):
    plain = gen(dapi, models["plain"])
    d0, a0 = counters(dapi)
    out = gen(dapi, models[draft])
    assert out["response"] == plain["response"]
    assert out["eval_count"] == plain["eval_count"] == 48
    d1, a1 = counters(dapi)
    drafted, accepted = d1 - d0, a1 - a0
    assert drafted > 0, "the draft model drafted nothing"
    if draft == "self":
        assert accepted >= 0.8 * drafted, (accepted, drafted)
    else:
        assert 0 < accepted < drafted, (accepted, drafted)  # some right, some wrong


@pytest.mark.parametrize("n", [1, 3, 8])
def test_seeded_sampling_is_unchanged(dapi, models, n):
    opts = {"temperature": 0.9, "seed": 42, "top_k": 40, "top_p": 0.95}
    plain = gen(dapi, models["plain"], **opts)["response"]
    for draft in ("self", "noisy"):
        assert gen(dapi, models[draft], draft_num_predict=n, **opts)["response"] == plain, draft


def test_draft_min_and_p_min_only_change_the_speed(dapi, models):
    plain = gen(dapi, models["plain"])["response"]

    def drafted(**opts):
        d0, _ = counters(dapi)
        assert gen(dapi, models["noisy"], **opts)["response"] == plain, opts
        return counters(dapi)[0] - d0

    everything = drafted(draft_num_predict=4)
    # a draft shorter than draft_min is dropped: 2 guesses never reach 3
    assert drafted(draft_num_predict=2, draft_min=3) == 0
    # guessing stops where the draft model is unsure
    assert drafted(draft_num_predict=4, draft_p_min=0.9) < everything


def test_zero_turns_drafting_off(dapi, models):
    d0, _ = counters(dapi)
    out = gen(dapi, models["self"], draft_num_predict=0)
    assert out["response"] == gen(dapi, models["plain"])["response"]
    assert counters(dapi)[0] == d0


def test_streaming_num_predict_and_stop(dapi, models):
    full = gen(dapi, models["plain"])["response"]
    _, items = dapi.stream("/api/generate", {"model": models["noisy"], "prompt": PROMPT,
                                             "options": {"num_predict": 48, "temperature": 0}})
    assert "".join(i.get("response", "") for i in items) == full
    assert items[-1]["done"] and items[-1]["eval_count"] == 48
    short = gen(dapi, models["self"], num_predict=5, draft_num_predict=8)
    assert short["eval_count"] == 5 and short["done_reason"] == "length"
    stop = full.split()[5]
    cut = gen(dapi, models["self"], stop=[stop])
    assert cut["response"] == full[:full.index(stop)]
    assert cut["done_reason"] == "stop"


def test_context_shift_and_prefix_reuse(dapi, models):
    # num_ctx 64 with 120 tokens to go: the context shifts several times
    opts = {"num_ctx": 64, "num_predict": 120}
    plain = gen(dapi, models["plain"], **opts)
    for draft in ("self", "noisy"):
        out = gen(dapi, models[draft], **opts)
        assert out["response"] == plain["response"], draft
        assert out["eval_count"] == 120
    # a follow-up sharing the prompt reuses the cache, and the draft's too
    more = PROMPT + plain["response"][:40]
    assert gen(dapi, models["noisy"], prompt=more)["response"] == gen(dapi, models["plain"], prompt=more)["response"]


@pytest.mark.timeout(300)
def test_concurrent_requests_do_not_cross_talk(dapi, models):
    prompts = [f"Once upon a time, Lily had {i} cats. One day" for i in range(6)]
    want = {i: gen(dapi, models["plain"], prompt=p, seed=i, temperature=0.7)["response"]
            for i, p in enumerate(prompts)}
    got, errors = {}, []

    def one(i):
        try:
            # the two drafts, and prompt lookup (whose drafts follow other slots' tokens too)
            model = [models["noisy"], models["self"], models["plain"]][i % 3]
            r = requests.post(dapi.base + "/api/generate", timeout=240, json={
                "model": model, "prompt": prompts[i], "stream": False,
                "options": {"num_predict": 48, "temperature": 0.7, "seed": i, "ngram_draft": 4}})
            got[i] = r.json()["response"] if r.status_code == 200 else r.text
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(repr(e))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(prompts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(280)
    assert not errors, errors
    assert got == want


def test_ps_counts_the_draft(dapi, models):
    gen(dapi, models["plain"], num_predict=1)
    gen(dapi, models["self"], num_predict=1)
    sizes = {m["name"].split(":")[0]: m["size"] for m in dapi.get("/api/ps").json()["models"]}
    assert sizes["self"] > sizes["plain"], sizes


def test_bad_options_are_refused(dapi, models):
    r = dapi.post("/api/generate", {"model": models["self"], "prompt": "x", "stream": False,
                                    "options": {"draft_p_min": 1.5}})
    assert r.status_code == 400
    assert error_of(r) == 'option "draft_p_min" must be between 0 and 1'


def test_a_draft_with_another_vocabulary_is_refused_at_load(dapi, models, tmp_path):
    # Same number of tokens, so create accepts it; one token's text differs.
    renamed_token_copy(STORIES_GGUF, tmp_path / "other.gguf", 300, "zzqq")
    other = dapi.push_blob(tmp_path / "other.gguf")
    dapi.create("mismatched", files={"stories260K.gguf": dapi.push_blob(STORIES_GGUF)}, draft={"other.gguf": other})
    r = dapi.post("/api/generate", {"model": "mismatched", "prompt": "Once", "stream": False,
                                    "options": {"num_predict": 2}})
    assert r.status_code == 400, r.text
    assert error_of(r) == ("the draft model cannot be used: token 300 differs "
                           "(a draft model must share the model's vocabulary)")


def test_gemma_drafted_by_itself(dapi, gemma_path):
    """A real quantized model with sliding-window layers and a 262k vocabulary
    loads with a draft, drafts and has guesses confirmed. Its text is not
    compared whole: on CPU, llama.cpp's Q4_K matrix products (and flash
    attention) round a batch of tokens differently from one token, so even
    without drafts, tokens fed as one prompt batch give logprobs ~0.1 away
    from the same tokens decoded one by one, and a near-tie can tip (as with
    llama-server's drafts). Exactness is tested on stories260K (F32) above."""
    digest = dapi.push_blob(gemma_path)
    dapi.create("gemma-plain", files={"g.gguf": digest})
    dapi.create("gemma-drafted", files={"g.gguf": digest}, draft="gemma-plain")
    prompt = "Write a Python function that returns the n-th Fibonacci number."
    plain = gen(dapi, "gemma-plain", prompt=prompt, num_predict=16)
    d0, a0 = counters(dapi)
    out = gen(dapi, "gemma-drafted", prompt=prompt, num_predict=16)
    assert out["eval_count"] == 16 and out["done_reason"] == "length"
    assert out["response"][:12] == plain["response"][:12]
    d1, a1 = counters(dapi)
    assert d1 > d0 and a1 > a0, (d1 - d0, a1 - a0)


def counting(start, end):
    return "Counting: " + ", ".join(str(i) for i in range(start, end)) + ","


def raw_gen(api, model, prompt, **options):
    r = requests.post(api.base + "/api/generate", timeout=HTTP_TIMEOUT, json={
        "model": model, "prompt": prompt, "raw": True, "stream": False,
        "options": {"num_predict": 24, "temperature": 0, **options}})
    assert r.status_code == 200, r.text
    return r.json()


@pytest.mark.timeout(600)
def test_gemma_past_its_window_with_drafts(dapi, gemma_path):
    """Gemma 3 has 512-token sliding-window layers, and a model with a draft
    gets llama.cpp's window-sized cache for them like any other: rejected
    guesses are dropped from it without losing the window. A prompt three
    windows long, then the greedy continuation with the model as its own
    draft, with prompt lookup (whose guesses are often wrong) and with two
    drafted requests at once, is the one decoding without drafts gives.
    Counting keeps every choice far from a tie, so llama.cpp's batch-size
    dependent rounding on CPU (see above) cannot tip it."""
    digest = dapi.push_blob(gemma_path)
    dapi.create("gemma-plain", files={"g.gguf": digest})
    dapi.create("gemma-drafted", files={"g.gguf": digest}, draft="gemma-plain")
    prompt = counting(1, 360)
    plain = raw_gen(dapi, "gemma-plain", prompt)
    assert plain["prompt_eval_count"] > 1500, plain["prompt_eval_count"]
    assert plain["response"].startswith(" 360, 361"), plain["response"]

    d0, a0 = counters(dapi)
    assert raw_gen(dapi, "gemma-drafted", prompt)["response"] == plain["response"]
    d1, a1 = counters(dapi)
    assert d1 > d0 and a1 > a0, (d1 - d0, a1 - a0)
    assert raw_gen(dapi, "gemma-plain", prompt, ngram_draft=6)["response"] == plain["response"]
    d2, a2 = counters(dapi)
    assert a2 > a1 and d2 - d1 > a2 - a1, (d2 - d1, a2 - a1)  # some guesses rejected

    other = counting(1, 300)
    want = raw_gen(dapi, "gemma-plain", other)["response"]
    got = {}
    jobs = [threading.Thread(target=lambda: got.update(a=raw_gen(dapi, "gemma-drafted", prompt, num_predict=40))),
            threading.Thread(target=lambda: got.update(b=raw_gen(dapi, "gemma-drafted", other, ngram_draft=3)))]
    for t in jobs:
        t.start()
    for t in jobs:
        t.join(500)
    assert got["a"]["response"].startswith(plain["response"]), got["a"]["response"]
    assert got["b"]["response"] == want

    # The window cache is really in use: a prompt continuing the long one
    # reuses its cache, one sharing only its start cannot (with a full-size
    # cache it could).
    before = scrape(dapi)[CACHED]
    raw_gen(dapi, "gemma-drafted", prompt + plain["response"], num_predict=2)
    middle = scrape(dapi)[CACHED]
    assert middle - before > 1500, middle - before
    raw_gen(dapi, "gemma-drafted", counting(1, 20), num_predict=2)
    assert scrape(dapi)[CACHED] - middle == 0
