"""/api/chat on Gemma 3 270M with Ollama's gemma3-instruct template."""

import json
import time

import pytest

from lokal_helpers import OLLAMA_COMPAT, error_of, parse_time
from test_metrics import scrape

pytestmark = pytest.mark.gemma

CONVERSATIONS = json.loads((OLLAMA_COMPAT / "conversations.json").read_text())
RENDERINGS = OLLAMA_COMPAT / "template-renderings" / "gemma3-instruct.gotmpl"
GREEDY = {"temperature": 0, "num_predict": 24}
HELLO = [{"role": "user", "content": "Hello! What is the capital of France?"}]
CACHED = ("lokal_cached_prompt_tokens_total", "")


def check_final(obj):
    assert obj["done"] is True
    assert obj["done_reason"] in ("stop", "length")
    for f in ("total_duration", "load_duration", "prompt_eval_count", "prompt_eval_duration",
              "eval_count", "eval_duration"):
        assert isinstance(obj.get(f), int) and obj[f] >= 0, (f, obj)
    assert obj["eval_count"] > 0 and obj["prompt_eval_count"] > 0
    assert obj["total_duration"] >= obj["eval_duration"] >= 1000 * obj["eval_count"]


def test_chat_not_streamed(api, gemma_chat):
    r = api.post("/api/chat", {"model": gemma_chat, "messages": HELLO, "stream": False, "options": GREEDY})
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    c = r.json()
    assert c["model"] == gemma_chat
    parse_time(c["created_at"])
    assert c["message"]["role"] == "assistant"
    assert isinstance(c["message"]["content"], str) and c["message"]["content"].strip()
    check_final(c)
    # the stop parameter of the model: the end-of-turn marker never shows
    assert "<end_of_turn>" not in c["message"]["content"]
    assert "<start_of_turn>" not in c["message"]["content"]


def test_chat_streamed(api, gemma_chat):
    body = {"model": gemma_chat, "messages": HELLO, "options": GREEDY}
    r, items = api.stream("/api/chat", body)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/x-ndjson")
    assert len(items) >= 2
    for it in items:
        assert it["model"] == gemma_chat
        assert it["message"]["role"] == "assistant"
        assert isinstance(it["message"]["content"], str)
        parse_time(it["created_at"])
    assert all(it["done"] is False for it in items[:-1])
    check_final(items[-1])
    streamed = "".join(it["message"]["content"] for it in items)
    agg = api.chat(model=gemma_chat, messages=HELLO, options=GREEDY)
    assert streamed == agg["message"]["content"]


@pytest.mark.parametrize("conv", sorted(CONVERSATIONS))
def test_chat_renders_template_like_ollama(api, gemma_chat, conv):
    """Chat renders token for token the prompt Ollama renders for the same
    conversation with the same template: a raw generate of Ollama's rendering
    right after the chat finds all of it but the last token in the chat's
    cache. (Their answers are not compared: the generate evaluates one token
    where the chat evaluated the whole prompt in one batch, which llama.cpp
    rounds a little differently; test_reference compares the chat's answer
    with llama.cpp's on the same rendering.)"""
    rendered = (RENDERINGS / conv).read_text()
    opts = {"temperature": 0, "num_predict": 16}
    c = api.chat(model=gemma_chat, messages=CONVERSATIONS[conv], options=opts)
    before = scrape(api)[CACHED]
    g = api.generate(model=gemma_chat, prompt=rendered, raw=True, options={**opts, "stop": ["<end_of_turn>"]})
    assert g["prompt_eval_count"] == c["prompt_eval_count"]
    assert scrape(api)[CACHED] - before == g["prompt_eval_count"] - 1, conv


def test_multi_turn_uses_history(api, gemma_chat):
    first = api.chat(model=gemma_chat, messages=HELLO, options=GREEDY)
    turns = HELLO + [first["message"], {"role": "user", "content": "And of Italy?"}]
    second = api.chat(model=gemma_chat, messages=turns, options=GREEDY)
    assert second["message"]["role"] == "assistant"
    assert second["message"]["content"].strip()
    single = api.chat(model=gemma_chat, messages=[{"role": "user", "content": "And of Italy?"}], options=GREEDY)
    # the history is in the prompt: markedly more prompt tokens than the last message alone
    assert second["prompt_eval_count"] > single["prompt_eval_count"] + 10 or \
        second["message"]["content"] != single["message"]["content"]


def test_system_message_changes_prompt(api, gemma_chat):
    sys_msgs = [{"role": "system", "content": "You are a pirate. Always answer like a pirate would, matey."}] + HELLO
    a = api.chat(model=gemma_chat, messages=HELLO, options={"num_predict": 1})
    b = api.chat(model=gemma_chat, messages=sys_msgs, options={"num_predict": 1})
    assert b["prompt_eval_count"] >= a["prompt_eval_count"] + 10


def test_chat_seed_reproducible(api, gemma_chat):
    opts = {"temperature": 0.9, "seed": 42, "num_predict": 16}
    a = api.chat(model=gemma_chat, messages=HELLO, options=opts)
    b = api.chat(model=gemma_chat, messages=HELLO, options=opts)
    assert a["message"]["content"] == b["message"]["content"]


def test_chat_num_predict(api, gemma_chat):
    c = api.chat(model=gemma_chat, messages=[{"role": "user", "content": "Write a long poem about the sea."}],
                 options={"num_predict": 5, "temperature": 0})
    assert c["eval_count"] <= 5
    if c["eval_count"] == 5:
        assert c["done_reason"] == "length"


def test_chat_format_json(api, gemma_chat):
    r = api.post("/api/chat", {"model": gemma_chat, "stream": False, "format": "json",
                               "messages": [{"role": "user", "content": "Return a JSON object with a name."}],
                               "options": {"temperature": 0, "num_predict": 48}})
    if r.status_code == 400:
        assert "format" in error_of(r).lower()
        return
    assert r.status_code == 200, r.text
    c = r.json()
    text = c["message"]["content"].strip()
    assert text.startswith("{"), f"format json ignored: {text!r}"
    if c["done_reason"] == "stop":
        json.loads(text)


def test_chat_tools_on_template_without_tools_400(api, gemma_chat):
    tools = [{"type": "function", "function": {"name": "get_weather", "description": "Weather in a city",
                                               "parameters": {"type": "object",
                                                              "properties": {"city": {"type": "string"}},
                                                              "required": ["city"]}}}]
    r = api.refusal("/api/chat", {"model": gemma_chat, "messages": HELLO, "tools": tools,
                                  "options": {"num_predict": 2}})
    assert r.status_code == 400, f"tools silently ignored? HTTP {r.status_code}: {r.text[:200]}"
    assert "tools" in error_of(r)


def test_chat_on_model_without_template(api, stories):
    # Ollama's default template is {{ .Prompt }}: the last user message goes in as is
    c = api.chat(model=stories, messages=[{"role": "user", "content": "Once upon a time"}],
                 options={"temperature": 0, "num_predict": 12})
    g = api.generate(model=stories, prompt="Once upon a time", options={"temperature": 0, "num_predict": 12})
    assert c["message"]["content"] == g["response"]


def test_chat_bad_role_or_shape_400(api, gemma_chat):
    for msgs in ("hello", [{"role": "user", "content": 5}], [42], {"role": "user"}):
        r = api.refusal("/api/chat", {"model": gemma_chat, "messages": msgs, "options": {"num_predict": 2}})
        assert r.status_code == 400, (msgs, r.status_code, r.text[:200])
        error_of(r)
