"""Loading and unloading: empty prompt loads, keep_alive 0 unloads,
keep_alive expiry, the same through /api/chat."""

import time

import pytest

from lokal_helpers import find_model, now_utc, parse_time


def loaded(api, name):
    return find_model(api.ps(), name)


def test_empty_prompt_loads(api, tiny):
    api.generate(model=tiny, keep_alive=0)  # make sure it starts unloaded
    assert api.wait_unloaded(tiny, 10)
    r = api.post("/api/generate", {"model": tiny, "options": {"num_predict": 1}})  # no prompt
    assert r.status_code == 200, r.text
    lines = [l for l in r.text.splitlines() if l.strip()]
    assert len(lines) == 1, f"a load answers with a single object: {r.text[:300]}"
    obj = r.json()
    assert obj["done"] is True
    assert obj["done_reason"] == "load"
    assert obj["response"] == ""
    assert obj["model"] == tiny
    assert loaded(api, tiny) is not None, "model not in /api/ps after a load"


def test_keep_alive_zero_unloads(api, tiny):
    api.generate(model=tiny, prompt="hi", options={"num_predict": 1})
    assert loaded(api, tiny) is not None
    obj = api.generate(model=tiny, keep_alive=0)
    assert obj["done"] is True
    assert obj["done_reason"] == "unload"
    assert obj["response"] == ""
    assert api.wait_unloaded(tiny, 10), "model still in /api/ps after keep_alive 0"


def test_keep_alive_zero_string_unloads(api, tiny):
    api.generate(model=tiny, prompt="hi", options={"num_predict": 1})
    obj = api.generate(model=tiny, keep_alive="0s")
    assert obj["done_reason"] == "unload"
    assert api.wait_unloaded(tiny, 10)


def test_keep_alive_zero_with_prompt_answers_then_unloads(api, tiny):
    g = api.generate(model=tiny, prompt="hello", keep_alive=0, options={"num_predict": 3})
    assert g["eval_count"] == 3
    assert api.wait_unloaded(tiny, 10), "keep_alive 0 after an answer must unload the model"


@pytest.mark.timeout(60)
def test_keep_alive_expires(api, tiny):
    t0 = now_utc()
    api.generate(model=tiny, prompt="hi", keep_alive="2s", options={"num_predict": 1})
    m = loaded(api, tiny)
    assert m is not None
    expires = parse_time(m["expires_at"])
    assert 0 < (expires - t0).total_seconds() < 10, m["expires_at"]
    assert api.wait_unloaded(tiny, 20), "model still loaded 20 s after keep_alive 2s"


@pytest.mark.timeout(60)
def test_keep_alive_number_is_seconds(api, tiny):
    t0 = now_utc()
    api.generate(model=tiny, prompt="hi", keep_alive=2, options={"num_predict": 1})
    m = loaded(api, tiny)
    assert m is not None
    assert 0 < (parse_time(m["expires_at"]) - t0).total_seconds() < 10, m["expires_at"]
    assert api.wait_unloaded(tiny, 20)


def test_keep_alive_sets_expiry(api, tiny):
    t0 = now_utc()
    api.generate(model=tiny, prompt="hi", keep_alive="10m", options={"num_predict": 1})
    left = (parse_time(loaded(api, tiny)["expires_at"]) - t0).total_seconds()
    assert 540 < left < 660, left


def test_default_keep_alive_is_five_minutes(api, tiny):
    t0 = now_utc()
    api.generate(model=tiny, prompt="hi", options={"num_predict": 1})
    left = (parse_time(loaded(api, tiny)["expires_at"]) - t0).total_seconds()
    assert 240 < left < 360, left


def test_negative_keep_alive_means_forever(api, tiny):
    t0 = now_utc()
    api.generate(model=tiny, prompt="hi", keep_alive=-1, options={"num_predict": 1})
    left = (parse_time(loaded(api, tiny)["expires_at"]) - t0).total_seconds()
    assert left > 365 * 24 * 3600, left
    api.generate(model=tiny, keep_alive=0)
    assert api.wait_unloaded(tiny, 10)


def test_chat_empty_messages_load_and_unload(api, stories):
    r = api.post("/api/chat", {"model": stories, "messages": [], "options": {"num_predict": 1}})
    assert r.status_code == 200, r.text
    obj = r.json()
    assert obj["done"] is True and obj["done_reason"] == "load"
    assert obj["message"] == {"role": "assistant", "content": ""} or (
        obj["message"]["role"] == "assistant" and obj["message"]["content"] == "")
    assert loaded(api, stories) is not None
    obj = api.chat(model=stories, messages=[], keep_alive=0)
    assert obj["done_reason"] == "unload"
    assert api.wait_unloaded(stories, 10)


def test_reload_after_unload_works(api, stories):
    api.generate(model=stories, keep_alive=0)
    assert api.wait_unloaded(stories, 10)
    g = api.generate(model=stories, prompt="Once upon a time", options={"num_predict": 3})
    assert g["eval_count"] == 3
    assert loaded(api, stories) is not None
