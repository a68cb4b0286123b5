"""gpt-oss models are prompted the harmony way, as Ollama does: a model of
family gpt-oss whose template writes harmony's <|start|>/<|end|> tags offers
its tools under identifier names (get-weather as get_weather) and maps
"think": "max" to "high". Their output parser (analysis channel as
thinking, tool calls from the commentary channel) is unit-tested on model
outputs in tests/unit/chat_harmony_test.cpp: no gpt-oss model is small
enough to run here, so the prompt side is checked through
_debug_render_only, which renders without loading the model."""

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
