"""Anthropic's Messages API on /v1/messages, driven by the unmodified official
`anthropic` Python client against a real lokal serve with Gemma 3 270M."""

import json

import anthropic
import pytest

pytestmark = pytest.mark.gemma

HELLO = [{"role": "user", "content": "Hello! What is the capital of France?"}]
# This client version has no sampling parameters of its own; the server takes them.
T0 = {"temperature": 0}


@pytest.fixture(scope="module")
def client(server):
    return anthropic.Anthropic(base_url=server.url, api_key="lokal", max_retries=0, timeout=120)


def native_chat(api, model, messages, num_predict=16, **options):
    return api.chat(model=model, messages=messages, options={"temperature": 0, "num_predict": num_predict, **options})


def test_message_matches_native(client, api, gemma_chat):
    m = client.messages.create(model=gemma_chat, max_tokens=16, extra_body=T0, messages=HELLO)
    assert m.id.startswith("msg_") and len(m.id) == 4 + 24
    assert m.type == "message" and m.role == "assistant" and m.model == gemma_chat
    assert m.stop_reason in ("end_turn", "max_tokens") and m.stop_sequence is None
    native = native_chat(api, gemma_chat, HELLO)
    assert [b.type for b in m.content] == ["text"]
    assert m.content[0].text == native["message"]["content"]
    assert m.usage.input_tokens == native["prompt_eval_count"]
    assert m.usage.output_tokens == native["eval_count"]


def test_max_tokens_and_system(client, api, gemma_chat):
    m = client.messages.create(model=gemma_chat, max_tokens=3, extra_body=T0, messages=HELLO,
                               system=[{"type": "text", "text": "You are terse."}])
    assert m.stop_reason == "max_tokens" and m.usage.output_tokens == 3
    native = native_chat(api, gemma_chat, [{"role": "system", "content": "You are terse."}, *HELLO], num_predict=3)
    assert m.content[0].text == native["message"]["content"]
    s = client.messages.create(model=gemma_chat, max_tokens=3, extra_body=T0, messages=HELLO,
                               system="You are terse.")
    assert s.content[0].text == m.content[0].text


def test_stop_sequences(client, api, gemma_chat):
    full = native_chat(api, gemma_chat, HELLO, num_predict=24)["message"]["content"]
    words = [w for w in full.split() if len(w) > 3]
    stop = words[1] if len(words) > 1 else words[0]
    m = client.messages.create(model=gemma_chat, max_tokens=24, extra_body=T0, messages=HELLO,
                               stop_sequences=[stop])
    assert m.stop_reason == "end_turn"
    assert stop not in m.content[0].text and full.startswith(m.content[0].text)


def test_stream_events(client, gemma_chat):
    whole = client.messages.create(model=gemma_chat, max_tokens=12, extra_body=T0, messages=HELLO)
    with client.messages.stream(model=gemma_chat, max_tokens=12, extra_body=T0, messages=HELLO) as s:
        events = list(s)
        final = s.get_final_message()
    types = [e.type for e in events]
    assert types[0] == "message_start"
    assert types[-1] == "message_stop"
    assert "content_block_start" in types and "content_block_stop" in types and "message_delta" in types
    assert final.content[0].text == whole.content[0].text
    assert final.usage.output_tokens == whole.usage.output_tokens
    assert final.stop_reason == whole.stop_reason


def test_stream_framing(api, gemma_chat):
    body = {"model": gemma_chat, "max_tokens": 4, "temperature": 0, "messages": HELLO, "stream": True}
    r = api.post("/v1/messages", body)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/event-stream")
    blocks = r.text.split("\n\n")
    assert blocks[-1] == ""
    names = []
    for b in blocks[:-1]:
        event, data = b.split("\n")
        assert event.startswith("event: ") and data.startswith("data: ")
        obj = json.loads(data[len("data: "):])
        assert obj["type"] == event[len("event: "):]
        names.append(obj["type"])
    assert names[:3] == ["message_start", "ping", "content_block_start"]
    assert names[-3:] == ["content_block_stop", "message_delta", "message_stop"]
    assert set(names[3:-3]) == {"content_block_delta"}


def test_count_tokens(client, gemma_chat):
    n = client.messages.count_tokens(model=gemma_chat, messages=HELLO)
    m = client.messages.create(model=gemma_chat, max_tokens=1, messages=HELLO)
    assert n.input_tokens == m.usage.input_tokens > 5


def test_errors(client, api, gemma_chat):
    with pytest.raises(anthropic.NotFoundError) as e:
        client.messages.create(model="no-such-model", max_tokens=4, messages=HELLO)
    assert e.value.body == {"type": "error", "error": {"type": "not_found_error",
                                                       "message": e.value.body["error"]["message"]}}
    assert "no-such-model" in e.value.body["error"]["message"]
    r = api.post("/v1/messages", {"model": gemma_chat, "messages": HELLO})
    assert r.status_code == 400
    assert r.json() == {"type": "error", "error": {"type": "invalid_request_error",
                                                   "message": "max_tokens: Field required"}}
    bad_image = [{"role": "user", "content": [{"type": "image", "source": {"type": "url", "url": "https://x"}}]}]
    with pytest.raises(anthropic.BadRequestError) as e:
        client.messages.create(model=gemma_chat, max_tokens=4, messages=bad_image)
    assert "Only base64 images" in e.value.body["error"]["message"]


def test_thinking_is_dropped_for_a_model_that_cannot_think(client, api, gemma_chat):
    """Claude Code asks every model to think: as in Ollama, /v1/messages drops
    the request for a model without the thinking capability, where /api/chat
    refuses it."""
    plain = client.messages.create(model=gemma_chat, max_tokens=6, extra_body=T0, messages=HELLO)
    m = client.messages.create(model=gemma_chat, max_tokens=6, extra_body=T0, messages=HELLO,
                               thinking={"type": "enabled", "budget_tokens": 1024})
    assert [b.type for b in m.content] == ["text"]
    assert m.content[0].text == plain.content[0].text
    r = api.post("/api/chat", {"model": gemma_chat, "messages": HELLO, "think": True})
    assert r.status_code == 400 and "does not support thinking" in r.json()["error"]
