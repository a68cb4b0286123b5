"""POST /api/embed and the legacy POST /api/embeddings with real models, over
HTTP and through the unmodified `ollama` Python client."""

import json
import math

import ollama
import pytest

from lokal_helpers import error_of


def embedding_length(api, model: str) -> int:
    info = api.show(model)["model_info"]
    return info[f"{info['general.architecture']}.embedding_length"]


def embed(api, model, **body) -> dict:
    r = api.post("/api/embed", {"model": model, **body})
    assert r.status_code == 200, r.text[:300]
    return r.json()


def norm(v) -> float:
    return math.sqrt(sum(x * x for x in v))


def cosine(a, b) -> float:
    return sum(x * y for x, y in zip(a, b)) / (norm(a) * norm(b))


def close(a, b, tol=1e-4) -> bool:
    return len(a) == len(b) and all(abs(x - y) <= tol for x, y in zip(a, b))


@pytest.fixture(scope="module")
def client(server):
    return ollama.Client(host=server.url, timeout=120)


TEXTS = [
    "Once upon a time there was a little girl.",
    "The cat sat on the mat.",
    "A completely different sentence about rockets and the moon.",
    "hello",
    "Lily and Ben went to the park to play with the ball. " * 3,
]


@pytest.mark.parametrize("fixture", ["stories", "gemma_chat"])
def test_vectors_are_unit_length_and_model_sized(api, request, fixture):
    model = request.getfixturevalue(fixture)
    r = embed(api, model, input=TEXTS[:2])
    assert list(r)[:2] == ["model", "embeddings"]
    assert r["model"] == model
    assert len(r["embeddings"]) == 2
    n = embedding_length(api, model)
    for v in r["embeddings"]:
        assert len(v) == n
        assert abs(norm(v) - 1) < 1e-5
    assert r["prompt_eval_count"] > 4
    assert r["total_duration"] >= r["load_duration"] > 0


# llama.cpp's CPU matrix kernels are not batch-invariant: a row's result
# depends a little on how many rows share the multiplication (4-row GEMM
# tiles versus the GEMV tail), so a vector computed beside others differs
# from the one computed alone in its low digits. Measured: max 5e-4 per
# component on stories260K (f32); cosine >= 0.996 on Gemma 3 270M (Q4_K,
# where the 4-row tiles also quantise activations their own way). Different
# texts are far apart (cosine 0.7-0.8 on Gemma), so leaks between the
# sequences of a batch would still fail this test.
@pytest.mark.parametrize("fixture,max_abs,min_cos", [("stories", 1e-3, 0.99999), ("gemma_chat", 0.05, 0.99)])
def test_batch_equals_one_by_one(api, request, fixture, max_abs, min_cos):
    model = request.getfixturevalue(fixture)
    batch = embed(api, model, input=TEXTS)["embeddings"]
    assert embed(api, model, input=TEXTS)["embeddings"] == batch, "the same batch must give the same vectors"
    for text, v in zip(TEXTS, batch):
        single = embed(api, model, input=text)["embeddings"][0]
        assert close(v, single, max_abs), f"batched and single vectors differ for {text!r}"
        assert cosine(v, single) >= min_cos, text


def test_same_text_same_vector_different_text_differs(api, gemma_chat):
    r = embed(api, gemma_chat, input=[TEXTS[0], TEXTS[0], TEXTS[2]])["embeddings"]
    assert close(r[0], r[1], 1e-6)
    assert not close(r[0], r[2], 1e-3)
    # Related sentences are nearer than unrelated ones is not something a
    # 270M model promises; different inputs must at least not coincide.
    assert cosine(r[0], r[2]) < 0.9999


def test_many_inputs(api, stories):
    texts = [f"story number {i} about a dog" for i in range(40)]
    r = embed(api, stories, input=texts)
    assert len(r["embeddings"]) == 40
    assert len({json.dumps(v) for v in r["embeddings"]}) == 40


def test_dimensions_truncates_and_renormalises(api, gemma_chat):
    full = embed(api, gemma_chat, input="The cat sat on the mat.")["embeddings"][0]
    short = embed(api, gemma_chat, input="The cat sat on the mat.", dimensions=8)["embeddings"][0]
    assert len(short) == 8
    assert abs(norm(short) - 1) < 1e-5
    scale = norm(full[:8])
    assert close(short, [x / scale for x in full[:8]], 1e-4)
    # Larger than the vector, zero or negative: the whole vector, as Ollama.
    for d in (0, -3, 100000):
        assert len(embed(api, gemma_chat, input="x", dimensions=d)["embeddings"][0]) == len(full)


def test_truncate(api, stories):
    long_text = "the little dog ran and ran " * 200  # far more than num_ctx 64
    opts = {"num_ctx": 64}
    r = embed(api, stories, input=long_text, options=opts)
    assert r["prompt_eval_count"] == 64
    head = embed(api, stories, input=long_text, options=opts, truncate=True)
    assert close(r["embeddings"][0], head["embeddings"][0])
    refused = api.post("/api/embed", {"model": stories, "input": long_text, "truncate": False, "options": opts})
    assert refused.status_code == 400
    assert error_of(refused) == "the input length exceeds the context length"
    short = embed(api, stories, input="a short one", truncate=False, options=opts)
    assert len(short["embeddings"]) == 1


def test_empty_input_loads_only(api, stories):
    for body in ({"input": ""}, {}, {"input": []}):
        r = api.post("/api/embed", {"model": stories, **body})
        assert r.status_code == 200
        assert r.text == '{"model":"%s","embeddings":[]}' % stories


def test_errors(api, stories):
    r = api.post("/api/embed", {"model": "no-such-model", "input": "x"})
    assert r.status_code == 404 and error_of(r) == "model 'no-such-model' not found"
    r = api.post("/api/embed", {"input": "x"})
    assert r.status_code == 404 and error_of(r) == "model '' not found"
    for bad in (3, [1, 2], {"a": 1}, ["ok", None]):
        r = api.post("/api/embed", {"model": stories, "input": bad})
        assert r.status_code == 400 and error_of(r) == "invalid input type", bad
    r = api.post("/api/embed", {"model": stories, "input": "x", "truncate": "yes"})
    assert r.status_code == 400 and "truncate" in error_of(r)
    r = api.post("/api/embed", {"model": stories, "input": "x", "dimensions": 1.5})
    assert r.status_code == 400 and "dimensions" in error_of(r)
    r = api.post("/api/embed", data=b"", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and error_of(r) == "missing request body"


def test_float32_formatting(api, stories):
    """Ollama writes []float32: the shortest digits that read back as that
    float32 (never 17-digit float64 expansions)."""
    import struct

    raw = api.post("/api/embed", {"model": stories, "input": "hello"}).text
    body = raw[raw.index("[[") + 2: raw.index("]]")]
    for text in body.split(","):
        f32 = struct.unpack("f", struct.pack("f", float(text)))[0]
        shortest = next(s for s in (f"{f32:.{p}g}" for p in range(1, 10))
                        if struct.unpack("f", struct.pack("f", float(s)))[0] == f32)
        assert float(text) == float(shortest), f"{text}: not the shortest form of a float32"
        assert "e" not in text or abs(f32) < 1e-6, text


def test_legacy_embeddings(api, gemma_chat):
    r = api.post("/api/embeddings", {"model": gemma_chat, "prompt": "The cat sat on the mat."})
    assert r.status_code == 200
    body = r.json()
    assert list(body) == ["embedding"]
    v = body["embedding"]
    assert len(v) == embedding_length(api, gemma_chat)
    # Ollama normalises legacy vectors too (except some older BERT models).
    assert abs(norm(v) - 1) < 1e-5
    new = embed(api, gemma_chat, input="The cat sat on the mat.")["embeddings"][0]
    assert close(v, new, 1e-6)
    # Float32 values written as float64, as Go does for []float64.
    assert any(len(t) > 12 for t in r.text.split(","))


def test_legacy_errors_and_empty_prompt(api, stories):
    r = api.post("/api/embeddings", {"model": stories, "prompt": ""})
    assert r.status_code == 200 and r.text == '{"embedding":[]}'
    r = api.post("/api/embeddings", {"model": "nope", "prompt": "x"})
    assert r.status_code == 404 and error_of(r) == 'model "nope" not found, try pulling it first'
    r = api.post("/api/embeddings", {"prompt": "x"})
    assert r.status_code == 400 and error_of(r) == "model is required"


def test_ollama_client_embed(client, gemma_chat, api):
    r = client.embed(model=gemma_chat, input=["The cat sat on the mat.", "hello"])
    assert len(r.embeddings) == 2
    assert all(len(v) == embedding_length(api, gemma_chat) for v in r.embeddings)
    assert all(abs(norm(v) - 1) < 1e-5 for v in r.embeddings)
    assert r.prompt_eval_count > 0
    one = client.embed(model=gemma_chat, input="hello", dimensions=16)
    assert len(one.embeddings[0]) == 16


def test_ollama_client_embeddings(client, stories, api):
    r = client.embeddings(model=stories, prompt="Once upon a time")
    assert len(r.embedding) == embedding_length(api, stories)
    assert abs(norm(r.embedding) - 1) < 1e-5
    with pytest.raises(ollama.ResponseError) as e:
        client.embed(model=stories, input="the dog " * 500, truncate=False, options={"num_ctx": 32})
    assert e.value.status_code == 400


def test_embedding_does_not_disturb_generation(api, stories):
    """An embedding request while a generation runs leaves the generated
    text exactly as it is without one (separate context, same thread)."""
    import threading

    import requests

    body = {"model": stories, "prompt": "Once upon a time", "stream": False,
            "options": {"num_predict": 48, "temperature": 0, "seed": 1}}
    alone = api.generate(**body)["response"]
    results = {}

    def gen():
        results["text"] = requests.post(api.base + "/api/generate", json=body, timeout=120).json()["response"]

    t = threading.Thread(target=gen)
    t.start()
    for _ in range(5):
        embed(api, stories, input=TEXTS)
    t.join(60)
    assert results["text"] == alone


@pytest.fixture(scope="module")
def stories_mean(api, tmp_path_factory):
    """stories260K marked as an embedding model with mean pooling
    (llama.pooling_type = 1): the model's own pooling must be used, each
    input decoded whole."""
    from gguf_write import with_extra_u32
    from lokal_helpers import STORIES_GGUF

    path = tmp_path_factory.mktemp("mean") / "stories-mean.gguf"
    with_extra_u32(STORIES_GGUF, path, "llama.pooling_type", 1)
    api.create("stories-mean", files={"stories-mean.gguf": api.push_blob(path)})
    return "stories-mean"


def test_model_pooling_type_is_honoured(api, stories, stories_mean):
    mean = embed(api, stories_mean, input=TEXTS)["embeddings"]
    last = embed(api, stories, input=TEXTS)["embeddings"]
    for m, l in zip(mean, last):
        assert len(m) == len(l) == embedding_length(api, stories)
        assert abs(norm(m) - 1) < 1e-5
        # Same weights, other pooling: clearly another vector.
        assert cosine(m, l) < 0.99
    for text, v in zip(TEXTS, mean):
        assert close(v, embed(api, stories_mean, input=text)["embeddings"][0], 1e-3)
    long_text = "the little dog ran and ran " * 200
    r = embed(api, stories_mean, input=long_text, options={"num_ctx": 64})
    assert r["prompt_eval_count"] == 64
    refused = api.post("/api/embed", {"model": stories_mean, "input": long_text, "truncate": False,
                                      "options": {"num_ctx": 64}})
    assert refused.status_code == 400
