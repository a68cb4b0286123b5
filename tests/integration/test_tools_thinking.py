"""Tool calling, thinking and raw grammars on /api/chat and /api/generate with
a real model (stories260K; Gemma 3 270M for the error cases). The model cannot call tools or think by itself,
so a GBNF grammar forces the markup a tool-calling/thinking model would
write; the server must parse it into message.tool_calls / message.thinking,
stream each call once complete, and never leak markup into content."""
import json
from pathlib import Path

import ollama
import pytest

TEMPLATE = (Path(__file__).parent / "data" / "tools_thinking.gotmpl").read_text()
MODEL = "tools-thinking-test"
TOOLS = [{"type": "function", "function": {
    "name": "get_weather", "description": "Weather in a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]
ASK = [{"role": "user", "content": "What is the weather in Paris?"}]
OPTS = {"temperature": 0, "seed": 1, "num_predict": 256}
CALL_GRAMMAR = r'''root ::= "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>"'''
TWO_CALLS = r'''root ::= "Sure. <tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Rome\"}}\n</tool_call>"'''
THINK_GRAMMAR = r'''root ::= "<think>The user greets me.</think>Hello there"'''


@pytest.fixture(scope="module")
def model(api, stories_digest):
    # stories260K: a 512-token vocabulary keeps grammar-forced sampling fast.
    api.create(MODEL, files={"stories260K.gguf": stories_digest}, template=TEMPLATE)
    return MODEL


def error_of(r):
    return r.json().get("error", "")


def test_show_lists_tools_and_thinking(api, model):
    caps = api.show(model)["capabilities"]
    assert "tools" in caps and "thinking" in caps, caps


def test_tool_call_parsed_not_streamed_as_content(api, model):
    r, items = api.stream("/api/chat", {"model": model, "messages": ASK, "tools": TOOLS, "think": False,
                                        "grammar": CALL_GRAMMAR, "options": OPTS})
    assert r.status_code == 200, r.text
    calls = [c for it in items for c in it["message"].get("tool_calls", [])]
    assert len(calls) == 1, items
    assert calls[0]["function"] == {"index": 0, "name": "get_weather", "arguments": {"city": "Paris"}}
    assert calls[0]["id"].startswith("call_") and len(calls[0]["id"]) == 13
    content = "".join(it["message"]["content"] for it in items)
    assert "<tool_call>" not in content and "get_weather" not in content, content
    assert items[-1]["done"] is True and items[-1]["done_reason"] == "stop"
    # The call arrives in a chunk before the final one.
    assert any(it["message"].get("tool_calls") and not it["done"] for it in items)


def test_tool_calls_non_streamed_keep_content_before_tag(api, model):
    out = api.chat(model=model, messages=ASK, tools=TOOLS, think=False, grammar=TWO_CALLS, options=OPTS)
    msg = out["message"]
    assert [c["function"]["arguments"]["city"] for c in msg["tool_calls"]] == ["Paris", "Rome"]
    assert [c["function"]["index"] for c in msg["tool_calls"]] == [0, 1]
    assert msg["content"] == "Sure. ", msg
    assert list(msg.keys()) == ["role", "content", "tool_calls"]


def test_tool_results_round_trip_in_prompt(api, model):
    history = ASK + [
        {"role": "assistant", "content": "", "tool_calls": [
            {"function": {"name": "get_weather", "arguments": {"city": "Paris"}}}]},
        {"role": "tool", "tool_name": "get_weather", "content": "18 degrees"}]
    out = api.chat(model=model, messages=history, tools=TOOLS, _debug_render_only=True)
    prompt = out["_debug_info"]["rendered_template"]
    assert '{"name": "get_weather", "arguments": {"city":"Paris"}}' in prompt, prompt
    assert '<tool_response name="get_weather">18 degrees</tool_response>' in prompt
    assert '"name":"get_weather"' in prompt  # .Tools rendered as JSON


def test_tool_choice_none_hides_tools(api, model):
    out = api.chat(model=model, messages=ASK, tools=TOOLS, tool_choice="none", _debug_render_only=True)
    assert "You can call these tools" not in out["_debug_info"]["rendered_template"]
    out = api.chat(model=model, messages=ASK, tools=TOOLS, tool_choice="none", think=False,
                   grammar=CALL_GRAMMAR, options=OPTS)
    assert "tool_calls" not in out["message"] and "<tool_call>" in out["message"]["content"]


@pytest.mark.parametrize("choice", ["required", {"type": "function", "function": {"name": "get_weather"}}])
def test_tool_choice_forces_a_call(api, model, choice):
    tools = json.loads(json.dumps(TOOLS))
    tools[0]["function"]["parameters"]["properties"]["city"]["enum"] = ["Paris", "Rome"]
    out = api.chat(model=model, messages=ASK, tools=tools, tool_choice=choice, think=False,
                   options={**OPTS, "num_predict": 160})
    calls = out["message"].get("tool_calls")
    assert calls and calls[0]["function"]["name"] == "get_weather", out
    assert isinstance(calls[0]["function"]["arguments"].get("city"), str)
    assert "<tool_call>" not in out["message"]["content"]


def test_tool_choice_errors(api, model):
    r = api.refusal("/api/chat", {"model": model, "messages": ASK, "tools": TOOLS,
                                  "tool_choice": {"type": "function", "function": {"name": "nope"}}})
    assert r.status_code == 400 and "nope" in error_of(r)
    r = api.refusal("/api/chat", {"model": model, "messages": ASK, "tool_choice": "always"})
    assert r.status_code == 400 and "tool_choice" in error_of(r)
    r = api.refusal("/api/chat", {"model": model, "messages": ASK, "tool_choice": "required"})
    assert r.status_code == 400 and "requires tools" in error_of(r)


def test_thinking_streamed_apart_from_content(api, model):
    r, items = api.stream("/api/chat", {"model": model, "messages": ASK, "think": True,
                                        "grammar": THINK_GRAMMAR, "options": OPTS})
    assert r.status_code == 200, r.text
    thinking = "".join(it["message"].get("thinking", "") for it in items)
    content = "".join(it["message"]["content"] for it in items)
    assert thinking == "The user greets me." and content == "Hello there", items
    assert not any(it["message"].get("thinking") and it["message"]["content"] for it in items[:-1])


def test_thinking_on_by_default_and_off_on_request(api, model):
    out = api.chat(model=model, messages=ASK, grammar=THINK_GRAMMAR, options=OPTS)
    assert out["message"]["thinking"] == "The user greets me."
    out = api.chat(model=model, messages=ASK, think=False, grammar=THINK_GRAMMAR, options=OPTS)
    assert "thinking" not in out["message"] and out["message"]["content"].startswith("<think>")


def test_generate_thinking(api, model):
    out = api.generate(model=model, prompt="Hi", think="high", grammar=THINK_GRAMMAR, options=OPTS)
    assert out["thinking"] == "The user greets me." and out["response"] == "Hello there", out


def test_think_errors(api, model, gemma_chat):
    r = api.refusal("/api/chat", {"model": model, "messages": ASK, "think": "extreme"})
    assert r.status_code == 400
    assert error_of(r) == ('invalid think value: "extreme" (must be "high", "medium", "low", "max", true, or false)')
    r = api.refusal("/api/chat", {"model": gemma_chat, "messages": ASK, "think": True})
    assert r.status_code == 400 and error_of(r) == f'"{gemma_chat}" does not support thinking'
    r = api.refusal("/api/chat", {"model": gemma_chat, "messages": ASK, "tools": TOOLS})
    assert r.status_code == 400 and error_of(r).endswith(" does not support tools")


def test_grammar_errors_and_conflicts(api, model):
    r = api.refusal("/api/generate", {"model": model, "prompt": "x", "grammar": "root ::= (", "options": OPTS})
    assert r.status_code == 400 and "invalid grammar" in error_of(r)
    r = api.refusal("/api/generate", {"model": model, "prompt": "x", "grammar": 'root ::= "a"', "format": "json"})
    assert r.status_code == 400 and "format and grammar" in error_of(r)
    r = api.refusal("/api/chat", {"model": model, "messages": ASK, "grammar": 7})
    assert r.status_code == 400


def test_grammar_in_options_constrains_generate(api, model):
    out = api.generate(model=model, prompt="Say", raw=True,
                       options={**OPTS, "grammar": 'root ::= "yes" | "no"'})
    assert out["response"] in ("yes", "no"), out


def test_official_ollama_client(server, model):
    client = ollama.Client(host=server.url)
    resp = client.chat(model=model, messages=ASK, tools=TOOLS, think=False,
                       options={**OPTS, "grammar": CALL_GRAMMAR})
    call = resp.message.tool_calls[0]
    assert call.function.name == "get_weather" and call.function.arguments == {"city": "Paris"}
    resp = client.chat(model=model, messages=ASK, think=True, options={**OPTS, "grammar": THINK_GRAMMAR})
    assert resp.message.thinking == "The user greets me." and resp.message.content == "Hello there"
    parts = list(client.chat(model=model, messages=ASK, think=True, stream=True,
                             options={**OPTS, "grammar": THINK_GRAMMAR}))
    assert "".join(p.message.thinking or "" for p in parts) == "The user greets me."
