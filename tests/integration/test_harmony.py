"""gpt-oss models are prompted the harmony way, as Ollama does: a model of
family gpt-oss whose template writes harmony's <|start|>/<|end|> tags offers
its tools under identifier names (get-weather as get_weather) and maps
"think": "max" to "high". Their output parser (analysis channel as
thinking, tool calls from the commentary channel) is unit-tested on model
outputs in tests/unit/chat_harmony_test.cpp: no gpt-oss model is small
enough to run here, so the prompt side is checked through
_debug_render_only, which renders without loading the model, and a forced
tool_choice runs on the stories weights declared gpt-oss in their config."""

import struct

import pytest

from gguf_write import _kv_str, read_layout, write_gguf
from lokal_helpers import STORIES_GGUF

TEMPLATE = ("<|start|>system<|message|>Reasoning: {{ .ThinkLevel }}{{ range .Tools }} {{ .Function.Name }}{{ end }}"
            "<|end|>{{ range .Messages }}<|start|>{{ .Role }}<|message|>{{ .Content }}<|end|>{{ end }}"
            "<|start|>assistant")
TOOLS = [{"type": "function", "function": {"name": "get-weather", "description": "Weather of a city",
                                           "parameters": {"type": "object", "properties": {}}}}]


@pytest.fixture(scope="module")
def harmony_models(api, tmp_path_factory):
    """The same weights and template, once declared gpt-oss, once llama."""
    g = read_layout(STORIES_GGUF)
    kvs = [_kv_str("general.architecture", "gpt-oss") if k == "general.architecture" else raw for k, raw in g["kvs"]]
    path = tmp_path_factory.mktemp("harmony") / "gpt-oss-shaped.gguf"
    write_gguf(path, kvs, g["tensors"], g["alignment"], g["version"])
    gptoss = api.push_blob(path)
    llama = api.push_blob(STORIES_GGUF)
    api.create("harmony-gptoss", files={"m.gguf": gptoss}, template=TEMPLATE)
    api.create("harmony-llama", files={"m.gguf": llama}, template=TEMPLATE)
    return "harmony-gptoss", "harmony-llama"


def rendered(api, model, **extra):
    body = {"model": model, "messages": [{"role": "user", "content": "Weather in Paris?"}], "tools": TOOLS,
            "stream": False, "_debug_render_only": True, **extra}
    r = api.post("/api/chat", body)
    assert r.status_code == 200, r.text
    return r.json()["_debug_info"]["rendered_template"]


def test_gpt_oss_tools_are_offered_as_identifiers(api, harmony_models):
    gptoss, llama = harmony_models
    assert " get_weather<|end|>" in rendered(api, gptoss)
    # Any other family keeps the names as given.
    assert " get-weather<|end|>" in rendered(api, llama)


def test_gpt_oss_can_think_and_call_tools(api, harmony_models):
    gptoss, llama = harmony_models
    caps = {m: api.post("/api/show", {"model": m}).json()["capabilities"] for m in harmony_models}
    assert {"completion", "tools", "thinking"} <= set(caps[gptoss])
    assert "thinking" not in caps[llama]  # its template has no thinking of its own


def test_gpt_oss_max_effort_is_high(api, harmony_models):
    gptoss, _ = harmony_models
    assert rendered(api, gptoss, think="max").startswith("<|start|>system<|message|>Reasoning: high ")


# A gpt-oss model that runs: the stories weights under a config that says
# gptoss (as `ollama pull` of a gpt-oss model leaves it), so lokal prompts and
# parses it the harmony way. Its random output is steered only by the grammar.
@pytest.fixture(scope="module")
def harmony_running(binary, tmp_path_factory):
    from lokal_helpers import Api, LokalServer
    from test_ollama_store import _go, _write_model
    work = tmp_path_factory.mktemp("harmony-run")
    root = work / "models"
    (root / "blobs").mkdir(parents=True)
    _write_model(root, "registry.ollama.ai/library/oss/latest", [
        ("model", STORIES_GGUF.read_bytes()), ("template", TEMPLATE.encode()),
        ("params", _go({"temperature": 0, "seed": 1, "num_predict": 200}))], "F32", family="gptoss")
    srv = LokalServer(binary, work)
    srv.start()
    yield Api(srv.url)
    srv.stop()


CITY_TOOL = {"type": "function", "function": {"name": "get-weather", "parameters": {
    "type": "object", "properties": {"city": {"type": "string", "enum": ["Paris", "Rome"]}},
    "required": ["city"], "additionalProperties": False}}}
TIME_TOOL = {"type": "function", "function": {"name": "get_time", "parameters": {
    "type": "object", "properties": {}, "additionalProperties": False}}}


def chat(api, **extra):
    body = {"model": "oss", "messages": [{"role": "user", "content": "Weather in Paris?"}],
            "tools": [CITY_TOOL, TIME_TOOL], "stream": False, **extra}
    r = api.post("/api/chat", body)
    assert r.status_code == 200, r.text
    return r.json()["message"]


def test_harmony_tool_choice_required_forces_a_call(harmony_running):
    msg = chat(harmony_running, tool_choice="required")
    calls = msg.get("tool_calls")
    assert calls, msg
    fn = calls[0]["function"]
    # Reported under the user's name, with arguments per the tool's schema.
    assert fn["name"] in ("get-weather", "get_time"), fn
    if fn["name"] == "get-weather":
        assert fn["arguments"] in ({"city": "Paris"}, {"city": "Rome"}), fn
    else:
        assert fn["arguments"] == {}, fn


def test_harmony_named_tool_choice_forces_that_tool(harmony_running):
    for name in ("get-weather", "get_time"):
        msg = chat(harmony_running, tool_choice={"type": "function", "function": {"name": name}})
        assert [c["function"]["name"] for c in msg.get("tool_calls") or []] == [name], msg


def test_harmony_tool_choice_through_openai(harmony_running):
    r = harmony_running.post("/v1/chat/completions", {
        "model": "oss", "messages": [{"role": "user", "content": "Weather in Paris?"}],
        "tools": [CITY_TOOL], "tool_choice": "required", "max_tokens": 200, "temperature": 0})
    assert r.status_code == 200, r.text
    choice = r.json()["choices"][0]
    assert choice["finish_reason"] == "tool_calls", choice
    assert choice["message"]["tool_calls"][0]["function"]["name"] == "get-weather"
