"""`"_debug_render_only": true` on /api/chat and /api/generate: the prompt is
rendered as it would be for the model and answered in Ollama's shape, without
running the model. Every Ollama template and conversation must render to the
exact bytes Ollama renders (shared/compat/ollama/template-renderings)."""

from __future__ import annotations

import json

import pytest

from lokal_helpers import OLLAMA_COMPAT, same_model

TEMPLATES = sorted(p.stem for p in (OLLAMA_COMPAT / "templates").glob("*.gotmpl"))
CONVERSATIONS = json.loads((OLLAMA_COMPAT / "conversations.json").read_text())
RENDERINGS = OLLAMA_COMPAT / "template-renderings"

# Ollama's api.ChatResponse / api.GenerateResponse field order for a debug
# render: no text, done left false, then _debug_info.
CHAT_KEYS = ["model", "created_at", "message", "done", "_debug_info"]
GENERATE_KEYS = ["model", "created_at", "response", "done", "_debug_info"]


def model_name(template: str) -> str:
    return "debug-render-" + template.replace(".", "-")


@pytest.fixture(scope="module")
def template_models(api, stories_digest) -> dict[str, str]:
    """One model per Ollama template, created once for the module."""
    models = {}
    for t in TEMPLATES:
        body = {
            "files": {"stories260K.gguf": stories_digest},
            "template": (OLLAMA_COMPAT / "templates" / f"{t}.gotmpl").read_text(),
        }
        params = OLLAMA_COMPAT / "templates" / f"{t}.json"
        if params.is_file():
            body["parameters"] = json.loads(params.read_text())
        api.create(model_name(t), **body)
        models[t] = model_name(t)
    return models


def debug_chat(api, model: str, messages: list[dict], stream: bool = False):
    return api.post("/api/chat", {"model": model, "messages": messages, "stream": stream,
                                  "_debug_render_only": True})


@pytest.mark.parametrize("conversation", sorted(CONVERSATIONS))
@pytest.mark.parametrize("template", TEMPLATES)
def test_chat_renders_like_ollama(api, template_models, template, conversation):
    want = (RENDERINGS / f"{template}.gotmpl" / conversation).read_bytes().decode()
    r = debug_chat(api, template_models[template], CONVERSATIONS[conversation])
    assert r.status_code == 200, r.text[:500]
    j = r.json()
    assert j["_debug_info"]["rendered_template"] == want


def test_chat_shape_even_when_streamed(api, template_models):
    model = template_models["chatml"]
    r = debug_chat(api, model, CONVERSATIONS["user"], stream=True)
    assert r.status_code == 200, r.text[:500]
    assert r.headers["Content-Type"].startswith("application/json")
    j = json.loads(r.text)  # one object, not an NDJSON stream
    assert list(j) == CHAT_KEYS
    assert same_model(j["model"], model)
    assert j["message"] == {"role": "", "content": ""}
    assert j["done"] is False
    assert j["_debug_info"] == {
        "rendered_template": (RENDERINGS / "chatml.gotmpl" / "user").read_bytes().decode()}


def test_generate_renders_the_prompt(api, template_models):
    model = template_models["chatml"]
    r = api.post("/api/generate", {"model": model, "prompt": CONVERSATIONS["user"][0]["content"],
                                   "_debug_render_only": True})
    assert r.status_code == 200, r.text[:500]
    j = json.loads(r.text)
    assert list(j) == GENERATE_KEYS
    assert j["response"] == ""
    assert j["done"] is False
    assert j["_debug_info"]["rendered_template"] == (RENDERINGS / "chatml.gotmpl" / "user").read_bytes().decode()


def test_generate_raw_is_the_prompt_itself(api, template_models):
    r = api.post("/api/generate", {"model": template_models["chatml"], "prompt": "Once upon", "raw": True,
                                   "stream": False, "_debug_render_only": True})
    assert r.status_code == 200, r.text[:500]
    assert r.json()["_debug_info"]["rendered_template"] == "Once upon"


def test_go_template_does_not_load_the_model(api, stories_digest):
    name = "debug-render-unloaded"
    api.create(name, files={"stories260K.gguf": stories_digest},
               template=(OLLAMA_COMPAT / "templates" / "zephyr.gotmpl").read_text())
    assert api.wait_unloaded(name, 10)
    debug_chat(api, name, CONVERSATIONS["user"]).raise_for_status()
    api.post("/api/generate", {"model": name, "prompt": "hi", "_debug_render_only": True}).raise_for_status()
    assert not any(same_model(m.get("name"), name) for m in api.ps())


def test_gguf_template_renders_with_the_model(api, stories):
    """Without a TEMPLATE the GGUF's own template renders (the model is leased)."""
    r = debug_chat(api, stories, CONVERSATIONS["user"])
    assert r.status_code == 200, r.text[:500]
    rendered = r.json()["_debug_info"]["rendered_template"]
    assert CONVERSATIONS["user"][0]["content"] in rendered


@pytest.mark.parametrize("path", ["/api/chat", "/api/generate"])
def test_unknown_model_is_404(api, path):
    r = api.refusal(path, {"model": "no-such-model-debug", "messages": CONVERSATIONS["user"], "prompt": "hi",
                           "_debug_render_only": True})
    assert r.status_code == 404
    assert r.json() == {"error": "model 'no-such-model-debug' not found"}
