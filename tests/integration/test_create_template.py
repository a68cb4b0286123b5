"""Ollama's template detection at import (server/create.go detectChatTemplate,
template.Named): a GGUF whose tokenizer.chat_template is within 100 edits of
a Jinja template Ollama knows gets that template's Go form as its TEMPLATE
layer and its stop parameters, as if the Modelfile had said so. The GGUFs
here are stories260K with a chat template written in (gguf_write.py)."""

from __future__ import annotations

import json

import pytest

from gguf_write import with_extra_str
from lokal_helpers import OLLAMA_COMPAT, STORIES_GGUF

TEMPLATES = OLLAMA_COMPAT / "templates"
CONVERSATIONS = json.loads((OLLAMA_COMPAT / "conversations.json").read_text())
RENDERINGS = OLLAMA_COMPAT / "template-renderings"


def corpus() -> list[tuple[str, str]]:
    """(expected name, Jinja template), the first sample of each name."""
    seen, out = set(), []
    for line in (OLLAMA_COMPAT / "jinja-to-template-name.jsonl").read_text().splitlines():
        if line.strip():
            (name, jinja), = json.loads(line).items()
            if name not in seen:
                seen.add(name)
                out.append((name, jinja))
    return out


CORPUS = corpus()


def go_template(name: str) -> str:
    return (TEMPLATES / f"{name}.gotmpl").read_bytes().replace(b"\r\n", b"\n").decode()


@pytest.fixture(scope="module")
def gguf_with(api, tmp_path_factory):
    made = {}

    def push(jinja: str) -> str:
        if jinja not in made:
            path = tmp_path_factory.mktemp("jinja") / "model.gguf"
            with_extra_str(STORIES_GGUF, path, "tokenizer.chat_template", jinja)
            made[jinja] = api.push_blob(path)
        return made[jinja]
    return push


def create(api, name, digest, **body) -> list[str]:
    r = api.post("/api/create", {"model": name, "files": {"model.gguf": digest}, **body})
    assert r.status_code == 200, r.text[:300]
    items = [json.loads(line) for line in r.text.splitlines()]
    assert items[-1] == {"status": "success"}, items
    return [i["status"] for i in items]


@pytest.mark.parametrize("name,jinja", CORPUS, ids=[n for n, _ in CORPUS])
def test_known_jinja_template_gets_ollamas_template(api, gguf_with, name, jinja):
    model = f"detect-{name}"
    statuses = create(api, model, gguf_with(jinja))
    assert f"using autodetected template {name}" in statuses
    shown = api.show(model)
    assert shown["template"] == go_template(name)
    # The same as a Modelfile that names the template and its stops.
    stops = json.loads((TEMPLATES / f"{name}.json").read_text())["stop"]
    create(api, f"explicit-{name}", api.push_blob(STORIES_GGUF), template=go_template(name),
           parameters={"stop": stops})
    explicit = api.show(f"explicit-{name}")
    assert shown["parameters"] == explicit["parameters"]
    assert shown["modelfile"].split("\nTEMPLATE", 1)[1] == explicit["modelfile"].split("\nTEMPLATE", 1)[1]
    # Chats render with it byte for byte as Ollama renders them.
    for conv in sorted(CONVERSATIONS):
        r = api.post("/api/chat", {"model": model, "messages": CONVERSATIONS[conv], "stream": False,
                                   "_debug_render_only": True})
        assert r.status_code == 200, r.text[:300]
        want = (RENDERINGS / f"{name}.gotmpl" / conv).read_bytes().decode()
        assert r.json()["_debug_info"]["rendered_template"] == want, conv


def test_close_variant_is_detected(api, gguf_with):
    name, jinja = CORPUS[0]
    statuses = create(api, "detect-variant", gguf_with(jinja.replace("message", "msg", 3) + "{# local edit #}"))
    assert f"using autodetected template {name}" in statuses
    assert api.show("detect-variant")["template"] == go_template(name)


def test_unknown_template_keeps_the_ggufs_own(api, gguf_with):
    jinja = "{% for m in messages %}<<{{ m['role'] }}|{{ m['content'] }}>>{% endfor %}"
    statuses = create(api, "detect-none", gguf_with(jinja))
    assert not any(s.startswith("using autodetected") for s in statuses)
    assert "<|im_start|>" not in api.show("detect-none")["template"]
    r = api.post("/api/chat", {"model": "detect-none", "messages": [{"role": "user", "content": "hi"}],
                               "stream": False, "_debug_render_only": True})
    assert r.status_code == 200, r.text[:300]
    assert r.json()["_debug_info"]["rendered_template"] == "<<user|hi>>"


def test_request_template_and_parameters_win(api, gguf_with):
    name, jinja = CORPUS[0]
    statuses = create(api, "detect-override", gguf_with(jinja), template="{{ .Prompt }}!",
                      parameters={"temperature": 0.5})
    assert not any(s.startswith("using autodetected") for s in statuses)
    shown = api.show("detect-override")
    assert shown["template"] == "{{ .Prompt }}!"
    # Ollama keeps the detected stops under the request's parameters ...
    assert "temperature" in shown["parameters"] and "<|im_end|>" in shown["parameters"]
    # ... unless the request sets its own.
    create(api, "detect-stop", gguf_with(jinja), parameters={"stop": ["END"]})
    params = api.show("detect-stop")["parameters"]
    assert '"END"' in params and "<|im_end|>" not in params
    assert api.show("detect-stop")["template"] == go_template(name)


def test_models_made_from_another_model_are_not_detected_again(api, gguf_with):
    _, jinja = CORPUS[0]
    create(api, "detect-base", gguf_with(jinja), template="{{ .Prompt }}?")
    r = api.post("/api/create", {"model": "detect-derived", "from": "detect-base", "stream": False})
    assert r.status_code == 200, r.text[:300]
    assert api.show("detect-derived")["template"] == "{{ .Prompt }}?"
