"""OpenAI's Responses API (POST /v1/responses, stateless) driven by the
unmodified official `openai` client: Gemma 3 270M for text, and stories260K
with a tool/thinking template plus a forcing grammar for function calls and
reasoning (as test_tools_thinking.py does), compared with native /api/chat."""

import json
from pathlib import Path

import openai
import pytest

TEMPLATE = (Path(__file__).parent / "data" / "tools_thinking.gotmpl").read_text()
TOOLS_MODEL = "responses-tools-test"
HELLO = "Hello! What is the capital of France?"
TOOLS = [{"type": "function", "name": "get_weather", "description": "Weather in a city",
          "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}]
CALL_GRAMMAR = r'''root ::= "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>"'''
THINK_GRAMMAR = r'''root ::= "<think>The user greets me.</think>Hello there"'''
FORCED = {"temperature": 0, "seed": 1, "num_predict": 256}


@pytest.fixture(scope="module")
def client(server):
    return openai.OpenAI(base_url=server.url + "/v1", api_key="lokal", max_retries=0, timeout=120)


@pytest.fixture(scope="module")
def tools_model(api, stories_digest):
    api.create(TOOLS_MODEL, files={"stories260K.gguf": stories_digest}, template=TEMPLATE)
    return TOOLS_MODEL


def native(api, model, messages, num_predict=16):
    return api.chat(model=model, messages=messages, options={"temperature": 0, "top_p": 1.0, "num_predict": num_predict})


@pytest.mark.gemma
def test_text_response_matches_native_chat(client, api, gemma_chat):
    r = client.responses.create(model=gemma_chat, input=HELLO, max_output_tokens=16, temperature=0)
    assert r.id.startswith("resp_") and r.object == "response" and r.model == gemma_chat
    assert r.status in ("completed", "incomplete") and r.error is None
    n = native(api, gemma_chat, [{"role": "user", "content": HELLO}])
    assert r.output_text == n["message"]["content"]
    [item] = r.output
    assert item.type == "message" and item.role == "assistant" and item.status == "completed"
    assert item.id.startswith("msg_") and item.content[0].type == "output_text"
    assert r.usage.input_tokens == n["prompt_eval_count"] and r.usage.output_tokens == n["eval_count"]
    assert r.usage.total_tokens == r.usage.input_tokens + r.usage.output_tokens
    assert r.temperature == 0 and r.max_output_tokens == 16 and r.store is False and r.tools == []


@pytest.mark.gemma
def test_instructions_and_message_items(client, api, gemma_chat):
    items = [{"role": "user", "content": [{"type": "input_text", "text": "Hi"}]},
             {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Hello!"}]},
             {"role": "user", "content": "Name a color."}]
    r = client.responses.create(model=gemma_chat, instructions="Answer in one word.", input=items,
                                max_output_tokens=8, temperature=0)
    n = native(api, gemma_chat, [{"role": "system", "content": "Answer in one word."},
                                 {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"},
                                 {"role": "user", "content": "Name a color."}], num_predict=8)
    assert r.output_text == n["message"]["content"] and r.instructions == "Answer in one word."


@pytest.mark.gemma
def test_max_output_tokens_marks_incomplete(client, gemma_chat):
    r = client.responses.create(model=gemma_chat, input="Tell me a long story.", max_output_tokens=2, temperature=0)
    assert r.status == "incomplete" and r.incomplete_details.reason == "max_output_tokens"
    assert r.usage.output_tokens == 2


@pytest.mark.gemma
def test_stream_events(client, gemma_chat):
    whole = client.responses.create(model=gemma_chat, input=HELLO, max_output_tokens=12, temperature=0)
    events = list(client.responses.create(model=gemma_chat, input=HELLO, max_output_tokens=12, temperature=0,
                                          stream=True))
    types = [e.type for e in events]
    assert types[:4] == ["response.created", "response.in_progress", "response.output_item.added",
                         "response.content_part.added"]
    assert types[-4:] == ["response.output_text.done", "response.content_part.done", "response.output_item.done",
                          "response." + whole.status]
    assert set(types[4:-4]) == {"response.output_text.delta"}
    assert [e.sequence_number for e in events] == list(range(len(events)))
    text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert text == whole.output_text == events[-4].text
    final = events[-1].response
    assert final.id == events[0].response.id and final.output_text == text
    assert events[0].response.status == "in_progress" and final.usage.output_tokens == whole.usage.output_tokens


@pytest.mark.gemma
def test_stream_framing(server, gemma_chat):
    import requests
    r = requests.post(server.url + "/v1/responses", stream=True, timeout=120,
                      json={"model": gemma_chat, "input": "Hi", "max_output_tokens": 3, "stream": True})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/event-stream")
    blocks = r.text.strip("\n").split("\n\n")
    for b in blocks:
        name, data = b.split("\n")
        assert name.startswith("event: ") and data.startswith("data: ")
        assert json.loads(data[6:])["type"] == name[7:]
    assert "[DONE]" not in r.text


@pytest.mark.gemma
def test_json_schema_format(client, gemma_chat):
    schema = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
    r = client.responses.create(model=gemma_chat, input="Name a city in France as JSON.", temperature=0,
                                max_output_tokens=40,
                                text={"format": {"type": "json_schema", "name": "city", "schema": schema}})
    assert isinstance(json.loads(r.output_text)["city"], str)
    assert r.text.format.type == "json_schema"


def test_function_call(client, tools_model):
    extra = {"options": {**FORCED, "grammar": CALL_GRAMMAR}}
    r = client.responses.create(model=tools_model, input="What is the weather in Paris?", tools=TOOLS,
                                reasoning={"effort": "none"}, extra_body=extra)
    calls = [o for o in r.output if o.type == "function_call"]
    assert len(calls) == 1 and calls[0].name == "get_weather" and json.loads(calls[0].arguments) == {"city": "Paris"}
    assert calls[0].call_id.startswith("call_") and calls[0].id.startswith("fc_") and calls[0].status == "completed"
    assert all(o.type != "message" for o in r.output)  # no markup leaked as text
    # The call and its output go back as input items: accepted, rendered as tool turns.
    follow = [{"role": "user", "content": "What is the weather in Paris?"},
              {"type": "function_call", "call_id": calls[0].call_id, "name": "get_weather",
               "arguments": calls[0].arguments},
              {"type": "function_call_output", "call_id": calls[0].call_id, "output": "Sunny, 21 C"}]
    r2 = client.responses.create(model=tools_model, input=follow, tools=TOOLS, reasoning={"effort": "none"},
                                 max_output_tokens=4)
    assert r2.status in ("completed", "incomplete")


def test_function_call_streamed(client, tools_model):
    extra = {"options": {**FORCED, "grammar": CALL_GRAMMAR}}
    events = list(client.responses.create(model=tools_model, input="Weather?", tools=TOOLS, stream=True,
                                          reasoning={"effort": "none"}, extra_body=extra))
    types = [e.type for e in events]
    i = types.index("response.function_call_arguments.delta")
    assert types[i - 1] == "response.output_item.added" and events[i - 1].item.type == "function_call"
    assert types[i + 1:i + 3] == ["response.function_call_arguments.done", "response.output_item.done"]
    assert json.loads(events[i + 1].arguments) == {"city": "Paris"}
    assert types[-1] == "response.completed"
    assert [o.type for o in events[-1].response.output] == ["function_call"]


def test_reasoning_item(client, tools_model):
    extra = {"options": {**FORCED, "grammar": THINK_GRAMMAR}}
    r = client.responses.create(model=tools_model, input="Hi", extra_body=extra)
    assert [o.type for o in r.output] == ["reasoning", "message"]
    assert r.output[0].summary[0].text == "The user greets me." and r.output_text == "Hello there"
    events = list(client.responses.create(model=tools_model, input="Hi", stream=True, extra_body=extra))
    thinking = "".join(e.delta for e in events if e.type == "response.reasoning_summary_text.delta")
    assert thinking == "The user greets me."
    assert [o.type for o in events[-1].response.output] == ["reasoning", "message"]
    # A reasoning item passed back is accepted (its text goes to the assistant turn).
    back = [{"role": "user", "content": "Hi"}, r.output[0].model_dump(exclude_none=True),
            {"role": "assistant", "content": "Hello there"}, {"role": "user", "content": "Again"}]
    r3 = client.responses.create(model=tools_model, input=back, max_output_tokens=2, reasoning={"effort": "none"})
    assert r3.status in ("completed", "incomplete")


@pytest.mark.parametrize("body, needle", [
    ({"input": "x", "previous_response_id": "resp_1"}, "previous_response_id"),
    ({}, "'input' is required"),
    ({"input": 3}, "'input' must be a string"),
    ({"input": [{"type": "item_reference", "id": "x"}]}, "item references"),
    ({"input": [{"content": "x"}]}, "missing required 'type'"),
    ({"input": "x", "tools": [{"type": "web_search"}]}, "only function tools"),
    ({"input": "x", "text": {"format": {"type": "xml"}}}, "text.format.type"),
    ({"input": [{"role": "user", "content": [{"type": "input_file", "file_id": "f"}]}]}, "file inputs"),
])
def test_bad_requests(client, api, tools_model, body, needle):
    with pytest.raises(openai.BadRequestError) as e:
        client.responses.create(model=tools_model, **body)
    err = e.value.body
    assert err["type"] == "invalid_request_error" and needle in err["message"], err


def test_missing_model(client):
    with pytest.raises(openai.NotFoundError):
        client.responses.create(model="no-such-model", input="x")


def test_output_text_logprobs(client, api, stories):
    # include: ["message.output_text.logprobs"] with top_logprobs: the
    # native chat's per-token logprobs in OpenAI's shape, on the text part.
    opts = {"temperature": 0, "seed": 1}
    # Both compared requests then evaluate only the prompt's last token (as in test_logprobs).
    api.chat(model=stories, messages=[{"role": "user", "content": "Once upon a time"}], options={**opts, "num_predict": 1})
    r = client.responses.create(model=stories, input="Once upon a time", max_output_tokens=6, top_logprobs=2,
                                include=["message.output_text.logprobs"], extra_body={"options": opts})
    part = r.output[0].content[0]
    assert len(part.logprobs) == r.usage.output_tokens == 6 and r.top_logprobs == 2
    assert "".join(lp.token for lp in part.logprobs) == part.text
    n = api.chat(model=stories, messages=[{"role": "user", "content": "Once upon a time"}], logprobs=True,
                 top_logprobs=2, options={**opts, "num_predict": 6})
    for mine, theirs in zip(part.logprobs, n["logprobs"]):
        assert mine.token == theirs["token"] and mine.logprob == pytest.approx(theirs["logprob"], abs=1e-6)
        assert mine.bytes == list(mine.token.encode()) and len(mine.top_logprobs) == 2
        assert all(t.bytes == list(t.token.encode()) for t in mine.top_logprobs)
    # Streamed: each delta carries its tokens, the done events all of them.
    deltas, done = [], None
    with client.responses.stream(model=stories, input="Once upon a time", max_output_tokens=6,
                                 include=["message.output_text.logprobs"], extra_body={"options": opts}) as s:
        for ev in s:
            if ev.type == "response.output_text.delta":
                deltas += ev.logprobs
            elif ev.type == "response.output_text.done":
                done = ev
    assert [d.token for d in deltas] == [lp.token for lp in part.logprobs]
    assert all(d.top_logprobs == [] for d in deltas)
    assert [d.token for d in done.logprobs] == [d.token for d in deltas]
    # Without include there are none, and top_logprobs is checked.
    plain = client.responses.create(model=stories, input="Once", max_output_tokens=2)
    assert plain.output[0].content[0].logprobs == [] and plain.top_logprobs == 0
    with pytest.raises(openai.BadRequestError):
        client.responses.create(model=stories, input="x", top_logprobs=21, include=["message.output_text.logprobs"])
