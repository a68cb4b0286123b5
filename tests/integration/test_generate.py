"""/api/generate: stream framing, the aggregate, the final object's fields."""

import json
import time

import pytest
import requests

from lokal_helpers import HTTP_TIMEOUT, now_utc, parse_time

FINAL_FIELDS = ("total_duration", "load_duration", "prompt_eval_count",
                "prompt_eval_duration", "eval_count", "eval_duration")


def check_final(obj, num_predict=None, elapsed_s=None):
    assert obj["done"] is True
    assert obj["done_reason"] in ("stop", "length"), obj.get("done_reason")
    for f in FINAL_FIELDS:
        assert isinstance(obj.get(f), int), f"final object lacks integer {f}: {obj}"
        assert obj[f] >= 0, (f, obj[f])
    assert obj["prompt_eval_count"] > 0
    assert obj["eval_count"] > 0
    # durations are nanoseconds: a token takes more than a microsecond...
    assert obj["eval_duration"] >= 1000 * obj["eval_count"], obj
    assert obj["total_duration"] >= obj["eval_duration"]
    assert obj["total_duration"] >= obj["prompt_eval_duration"]
    # ...and the whole request cannot take longer than the client waited
    if elapsed_s is not None:
        assert obj["total_duration"] <= elapsed_s * 1e9 * 1.05 + 5e7, (obj["total_duration"], elapsed_s)
    if num_predict is not None:
        assert obj["eval_count"] <= num_predict


def test_stream_framing(api, stories):
    body = {"model": stories, "prompt": "Once upon a time", "options": {"num_predict": 12}}
    t0 = time.monotonic()
    r, items = api.stream("/api/generate", body)
    elapsed = time.monotonic() - t0
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/x-ndjson"), r.headers["Content-Type"]
    assert len(items) >= 2, items
    for it in items:
        assert it["model"] == stories
        parse_time(it["created_at"])
        assert isinstance(it["response"], str)
        assert isinstance(it["done"], bool)
    assert all(it["done"] is False for it in items[:-1])
    assert items[-1]["done"] is True
    check_final(items[-1], num_predict=12, elapsed_s=elapsed)
    ctx = items[-1].get("context")
    assert isinstance(ctx, list) and len(ctx) > items[-1]["eval_count"], "final object lacks the context"
    assert all("context" not in it for it in items[:-1]), "context belongs to the final object only"
    # the chunks of a streamed answer carry the tokens; Ollama sends one per token
    text = "".join(it["response"] for it in items)
    assert text.strip(), "streamed no text"
    assert sum(1 for it in items[:-1] if it["response"]) >= min(2, items[-1]["eval_count"])


def test_stream_is_incremental(api, gemma_base):
    """Chunks arrive while the model is still generating, not all at the end."""
    body = {"model": gemma_base, "prompt": "1, 2, 3, 4, 5,", "raw": True,
            "options": {"num_predict": 40, "temperature": 0}}
    arrivals = []
    with requests.post(api.base + "/api/generate", json=body, stream=True, timeout=HTTP_TIMEOUT) as r:
        assert r.status_code == 200
        for line in r.iter_lines(chunk_size=1):
            if line.strip():
                arrivals.append((time.monotonic(), json.loads(line)))
    assert arrivals[-1][1]["done"]
    first, last = arrivals[0][0], arrivals[-1][0]
    gen_s = arrivals[-1][1]["eval_duration"] / 1e9
    # the first chunk came well before the last one
    assert last - first >= 0.5 * gen_s, (last - first, gen_s)


def test_stream_and_aggregate_agree(api, stories):
    body = {"model": stories, "prompt": "Tom had a red ball",
            "options": {"num_predict": 20, "temperature": 0}}
    r, items = api.stream("/api/generate", body)
    streamed = "".join(it["response"] for it in items)
    agg = api.generate(**body)
    assert agg["response"] == streamed
    assert agg["eval_count"] == items[-1]["eval_count"]


def test_not_streamed(api, stories):
    t0 = time.monotonic()
    r = api.post("/api/generate", {"model": stories, "prompt": "Once upon a time", "stream": False,
                                   "options": {"num_predict": 10}})
    elapsed = time.monotonic() - t0
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/json"), r.headers["Content-Type"]
    lines = [l for l in r.text.splitlines() if l.strip()]
    assert len(lines) == 1, "stream:false must return one JSON object"
    obj = r.json()
    assert obj["model"] == stories
    assert isinstance(obj["response"], str) and obj["response"].strip()
    check_final(obj, num_predict=10, elapsed_s=elapsed)
    created = parse_time(obj["created_at"])
    assert abs((now_utc() - created).total_seconds()) < 60


def test_context_returned_and_reusable(api, stories):
    first = api.generate(model=stories, prompt="Once upon a time",
                         options={"num_predict": 8, "temperature": 0})
    ctx = first["context"]
    assert isinstance(ctx, list) and all(isinstance(t, int) for t in ctx)
    # the context encodes the prompt and the answer
    assert len(ctx) >= first["eval_count"] + 4, (len(ctx), first["eval_count"])
    second = api.generate(model=stories, prompt=" The next day", context=ctx,
                          options={"num_predict": 8, "temperature": 0})
    # the new context carries the old conversation, the new prompt and the new answer
    assert len(second["context"]) >= len(ctx) + second["eval_count"] + 2, (len(ctx), len(second["context"]))


def test_raw_mode_returns_no_context(api, stories):
    g = api.generate(model=stories, prompt="Once upon a time", raw=True, options={"num_predict": 4})
    assert not g.get("context")


def test_num_predict_limits_eval_count(api, stories):
    for n in (1, 5, 17):
        g = api.generate(model=stories, prompt="Once upon a time", options={"num_predict": n, "temperature": 0})
        assert g["eval_count"] == n, (n, g["eval_count"])
        assert g["done_reason"] == "length"


def test_model_name_with_tag(api, stories):
    g = api.generate(model="stories:latest", prompt="Once", options={"num_predict": 2})
    assert g["model"] == "stories:latest"
    assert g["eval_count"] == 2


def test_prompt_longer_than_batch(api, stories):
    # more prompt tokens than a typical batch (512), within a larger context
    prompt = "Once upon a time there was a little girl named Lily. " * 60
    g = api.generate(model=stories, prompt=prompt, options={"num_predict": 4, "num_ctx": 2048})
    assert g["prompt_eval_count"] > 512, g["prompt_eval_count"]
    assert g["eval_count"] == 4


def test_prompt_longer_than_context_is_truncated_or_refused(api, stories):
    # Ollama truncates the prompt to fit the context; refusing with a 400 is acceptable too
    prompt = "Lily and Tom played in the park with a big red ball. " * 80
    r = api.post("/api/generate", {"model": stories, "prompt": prompt, "stream": False,
                                   "options": {"num_ctx": 256, "num_predict": 4}})
    if r.status_code == 200:
        g = r.json()
        assert g["prompt_eval_count"] <= 256
        assert g["eval_count"] >= 1
    else:
        assert r.status_code == 400, r.text
        assert "context" in r.json()["error"].lower()


def test_unicode_round_trip(api, gemma_base):
    g = api.generate(model=gemma_base, prompt="Le café à Zürich coûte 5 € — 東京 🍣.", raw=True,
                     options={"num_predict": 8, "temperature": 0})
    assert g["eval_count"] == 8
    # the response is valid text (JSON already guarantees valid UTF-8); no U+FFFD
    # from splitting a multi-byte character across two chunks
    assert "\ufffd" not in g["response"]


def test_stream_unicode_chunks_are_whole_characters(api, gemma_base):
    body = {"model": gemma_base, "prompt": "Japanese: 東京は日本の首都です。大阪", "raw": True,
            "options": {"num_predict": 24, "temperature": 0}}
    r, items = api.stream("/api/generate", body)
    assert r.status_code == 200
    for it in items:
        assert "\ufffd" not in it["response"], items
