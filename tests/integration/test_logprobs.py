"""`logprobs` and `top_logprobs` on /api/generate and /api/chat, in Ollama's
shape, computed from the raw logits (log-softmax before sampling)."""

import math

import ollama
import pytest

from lokal_helpers import error_of

# Greedy and without penalties: the sampled token is then the raw argmax.
GREEDY = {"temperature": 0, "repeat_penalty": 1.0, "num_predict": 12, "seed": 1}


def check_entry(e, top_n):
    assert list(e)[:2] == ["token", "logprob"]
    assert e["logprob"] <= 0
    if e["token"]:
        assert e["bytes"] == list(e["token"].encode()) or "\ufffd" in e["token"]
    else:
        assert "bytes" not in e
    if top_n:
        top = e["top_logprobs"]
        assert len(top) == top_n
        values = [t["logprob"] for t in top]
        assert values == sorted(values, reverse=True)
        assert sum(math.exp(v) for v in values) <= 1 + 1e-6
        for t in top:
            assert set(t) <= {"token", "logprob", "bytes"}
    else:
        assert "top_logprobs" not in e


def test_generate_greedy_token_is_the_most_likely(api, stories):
    r = api.generate(model=stories, prompt="Once upon a time", logprobs=True, top_logprobs=3, options=GREEDY)
    lps = r["logprobs"]
    assert list(r)[-1] == "logprobs"  # after the metrics, as Ollama's GenerateResponse
    assert len(lps) == r["eval_count"] == 12
    assert "".join(e["token"] for e in lps) == r["response"]
    for e in lps:
        check_entry(e, 3)
        assert e["token"] == e["top_logprobs"][0]["token"]
        assert e["logprob"] == pytest.approx(e["top_logprobs"][0]["logprob"], abs=1e-9)
        assert e["logprob"] == max(t["logprob"] for t in e["top_logprobs"])


def test_logprobs_do_not_depend_on_temperature(api, stories):
    """Raw logits: a sampling temperature changes what is sampled, not the
    reported distribution of the first position."""
    a = api.generate(model=stories, prompt="Once upon a time", logprobs=True, top_logprobs=5,
                     options={**GREEDY, "num_predict": 1})
    b = api.generate(model=stories, prompt="Once upon a time", logprobs=True, top_logprobs=5,
                     options={**GREEDY, "num_predict": 1, "temperature": 1.5, "top_k": 2})
    ta = [(t["token"], round(t["logprob"], 9)) for t in a["logprobs"][0]["top_logprobs"]]
    tb = [(t["token"], round(t["logprob"], 9)) for t in b["logprobs"][0]["top_logprobs"]]
    assert ta == tb


def test_generate_stream_carries_logprobs_per_chunk(api, stories):
    r, items = api.stream("/api/generate", {"model": stories, "prompt": "Once upon a time", "logprobs": True,
                                           "options": GREEDY})
    assert r.status_code == 200
    chunks = [i for i in items if not i["done"]]
    for c in chunks:
        assert "".join(e["token"] for e in c["logprobs"]) == c["response"]
        for e in c["logprobs"]:
            check_entry(e, 0)
    final = items[-1]
    total = sum(len(i.get("logprobs", [])) for i in items)
    assert total == final["eval_count"]


def test_no_logprobs_unless_asked(api, stories):
    r = api.generate(model=stories, prompt="Once upon a time", top_logprobs=3, options=GREEDY)
    assert "logprobs" not in r
    r = api.generate(model=stories, prompt="Once upon a time", logprobs=False, options=GREEDY)
    assert "logprobs" not in r


def test_chat_logprobs(api, gemma_chat):
    body = {"model": gemma_chat, "messages": [{"role": "user", "content": "Say hello"}], "logprobs": True,
            "top_logprobs": 2, "options": {**GREEDY, "num_predict": 6}}
    # Once a slot holds this prompt, both compared requests evaluate only its
    # last token: the same batch (a whole prompt in one batch rounds a little
    # differently in llama.cpp, enough to move a logprob past 1e-6).
    api.chat(**body)
    r = api.chat(**body)
    keys = list(r)
    assert keys.index("done") < keys.index("logprobs") < keys.index("total_duration")
    assert "".join(e["token"] for e in r["logprobs"]) == r["message"]["content"]
    for e in r["logprobs"]:
        check_entry(e, 2)
        assert e["token"] == e["top_logprobs"][0]["token"]
    _, items = api.stream("/api/chat", {**body, "stream": True})
    streamed = [e for i in items for e in i.get("logprobs", [])]
    assert [e["token"] for e in streamed] == [e["token"] for e in r["logprobs"]]
    assert [e["logprob"] for e in streamed] == pytest.approx([e["logprob"] for e in r["logprobs"]], abs=1e-6)


@pytest.mark.parametrize("route", ["/api/generate", "/api/chat"])
@pytest.mark.parametrize("value", [21, -1, 100])
def test_top_logprobs_out_of_range(api, stories, route, value):
    body = {"model": stories, "logprobs": True, "top_logprobs": value, "stream": False,
            "prompt": "x", "messages": [{"role": "user", "content": "x"}]}
    r = api.refusal(route, body)
    assert r.status_code == 400
    assert error_of(r) == "top_logprobs must be between 0 and 20"


def test_bad_types(api, stories):
    r = api.refusal("/api/generate", {"model": stories, "prompt": "x", "logprobs": "yes"})
    assert r.status_code == 400
    r = api.refusal("/api/generate", {"model": stories, "prompt": "x", "logprobs": True, "top_logprobs": 1.5})
    assert r.status_code == 400


def test_ollama_client(server, stories):
    client = ollama.Client(host=server.url, timeout=120)
    r = client.generate(model=stories, prompt="Once upon a time", logprobs=True, top_logprobs=2, options=GREEDY)
    assert len(r.logprobs) == r.eval_count
    assert all(lp.token == lp.top_logprobs[0].token for lp in r.logprobs)
    c = client.chat(model=stories, messages=[{"role": "user", "content": "hi"}], logprobs=True, options=GREEDY)
    assert c.logprobs and all(lp.logprob <= 0 for lp in c.logprobs)
