"""Ollama's capability checks (Model.CheckCapabilities, before scheduling a
runner): a request the model cannot serve is refused with Ollama's 400 text
before the model is loaded, whether the answer comes from a Go template or
from the GGUF's own Jinja template and metadata. Each model here is made for
this module alone, so /api/ps shows whether it was ever loaded."""

from __future__ import annotations

import pytest

from gguf_write import with_extra_str, with_extra_u32
from lokal_helpers import STORIES_GGUF, error_of, find_model
from test_vision import IMAGE

ASK = [{"role": "user", "content": "hi"}]
TOOLS = [{"type": "function", "function": {"name": "get_time", "description": "now",
                                           "parameters": {"type": "object", "properties": {}}}}]


@pytest.fixture(scope="module")
def models(api, tmp_path_factory) -> dict[str, str]:
    d = tmp_path_factory.mktemp("caps")
    plain = api.push_blob(STORIES_GGUF)

    def variant(fname, make):
        path = d / fname
        make(path)
        return api.push_blob(path)

    no_tools = variant("jinja.gguf", lambda p: with_extra_str(
        STORIES_GGUF, p, "tokenizer.chat_template", "{% for m in messages %}[{{ m['content'] }}]{% endfor %}"))
    embedder = variant("embed.gguf", lambda p: with_extra_u32(STORIES_GGUF, p, "llama.pooling_type", 1))
    reranker = variant("rank.gguf", lambda p: with_extra_u32(STORIES_GGUF, p, "llama.pooling_type", 4))
    made = {"plain": ("caps-plain", plain), "jinja": ("caps-jinja", no_tools),
            "embedder": ("caps-embedder", embedder), "reranker": ("caps-reranker", reranker)}
    for name, digest in made.values():
        api.create(name, files={"model.gguf": digest})
    api.create("caps-go", files={"model.gguf": plain}, template="{{ .Prompt }}")
    return {k: v[0] for k, v in made.items()} | {"go": "caps-go"}


def refused(api, path, body) -> str:
    r = api.post(path, body)
    assert r.status_code == 400, r.text[:300]
    assert find_model(api.ps(), body["model"]) is None, f"{body['model']} was loaded for a refused request"
    return error_of(r)


@pytest.mark.parametrize("kind", ["go", "jinja", "plain"])
def test_tools_refused_before_loading(api, models, kind):
    model = models[kind]
    msg = refused(api, "/api/chat", {"model": model, "messages": ASK, "tools": TOOLS, "stream": False})
    assert msg == f"registry.ollama.ai/library/{model}:latest does not support tools" or \
        msg.endswith(f"{model}:latest does not support tools"), msg


@pytest.mark.parametrize("path", ["/api/chat", "/api/generate"])
def test_think_refused_before_loading(api, models, path):
    model = models["jinja"]
    body = {"model": model, "think": True, "stream": False}
    body |= {"messages": ASK} if path == "/api/chat" else {"prompt": "hi"}
    assert refused(api, path, body) == f'"{model}" does not support thinking'


def test_embedding_model_does_not_chat_or_generate(api, models):
    model = models["embedder"]
    assert refused(api, "/api/chat", {"model": model, "messages": ASK}) == f'"{model}" does not support chat'
    assert refused(api, "/api/generate", {"model": model, "prompt": "x"}) == f'"{model}" does not support generate'


def test_suffix_refused_before_loading(api, models):
    for model in (models["plain"], models["go"]):
        msg = refused(api, "/api/generate", {"model": model, "prompt": "def f():", "suffix": "return 1"})
        assert msg.endswith(f"{model}:latest does not support insert"), msg


def test_images_refused_before_loading(api, models):
    msg = refused(api, "/api/chat", {"model": models["plain"], "messages": [{**ASK[0], "images": [IMAGE]}]})
    assert msg.endswith("does not support vision"), msg


def test_embed_and_rerank_refused_before_loading(api, models):
    msg = refused(api, "/api/embed", {"model": models["reranker"], "input": "x"})
    assert msg == "this model is a reranker and does not produce embeddings"
    msg = refused(api, "/api/rerank", {"model": models["plain"], "query": "q", "documents": ["a"]})
    assert "does not support reranking" in msg


def test_the_openai_dialect_is_refused_before_loading_too(api, models):
    model = models["jinja"]
    r = api.post("/v1/chat/completions", {"model": model, "messages": ASK, "tools": TOOLS})
    assert r.status_code == 400, r.text[:300]
    assert r.json()["error"]["message"].endswith("does not support tools")
    assert find_model(api.ps(), model) is None


def test_a_capable_request_still_runs(api, models):
    model = models["jinja"]
    r = api.post("/api/chat", {"model": model, "messages": ASK, "stream": False, "options": {"num_predict": 2}})
    assert r.status_code == 200, r.text[:300]
    assert find_model(api.ps(), model) is not None
    api.post("/api/generate", {"model": model, "keep_alive": 0})
