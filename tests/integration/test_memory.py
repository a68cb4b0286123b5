"""The memory budget: a model that cannot fit is refused with what it needs
and what is free, before llama.cpp allocates anything; the server keeps
serving the models that fit."""
import ollama
import pytest

from lokal_helpers import STORIES_GGUF, TINY_GGUF, Api, LokalServer


@pytest.fixture
def small_budget(binary, tmp_path):
    # stories260K needs a few MiB; llama-2-tiny-random's 32000-token
    # vocabulary alone needs 62.5 MiB of f32 logits for a 512-token batch.
    srv = LokalServer(binary, tmp_path, {"LOKAL_MAX_MEMORY": "32MiB"})
    srv.start()
    api = Api(srv.url)
    api.create("stories", files={"m.gguf": api.push_blob(STORIES_GGUF)})
    api.create("tiny", files={"m.gguf": api.push_blob(TINY_GGUF)})
    yield srv, api
    srv.stop()


def test_model_over_budget_is_refused_with_need_and_free(small_budget):
    srv, api = small_budget
    r = api.refusal("/api/generate", {"model": "tiny", "prompt": "hi"})
    assert r.status_code == 503
    msg = r.json()["error"]
    assert msg.startswith("model requires more system memory (")
    assert msg.endswith(") than is available (32.0 MiB)")
    assert "Retry-After" not in r.headers  # waiting does not help
    assert api.get("/api/ps").json()["models"] == []
    assert srv.alive()


def test_model_within_budget_loads_and_runs_beside_the_refusal(small_budget):
    srv, api = small_budget
    r = api.post("/api/generate", {"model": "stories", "prompt": "Once", "stream": False,
                                   "options": {"num_predict": 4, "temperature": 0}})
    assert r.status_code == 200, r.text
    # The idle model counts as reclaimable: the refusal states the whole budget.
    r = api.refusal("/api/chat", {"model": "tiny", "messages": [{"role": "user", "content": "hi"}]})
    assert r.status_code == 503
    assert "than is available (32.0 MiB)" in r.json()["error"]
    assert [m["name"] for m in api.get("/api/ps").json()["models"]] == ["stories:latest"]


def test_official_client_sees_the_refusal(small_budget):
    srv, _ = small_budget
    client = ollama.Client(host=srv.url)
    with pytest.raises(ollama.ResponseError) as e:
        client.generate(model="tiny", prompt="hi", options={"num_predict": 1})
    assert e.value.status_code == 503
    assert "requires more system memory" in e.value.error


def test_bad_budget_setting_stops_startup(binary, tmp_path):
    srv = LokalServer(binary, tmp_path, {"LOKAL_MAX_MEMORY": "lots"})
    with pytest.raises(RuntimeError) as e:
        srv.start(ready_timeout=10)
    assert "LOKAL_MAX_MEMORY" in str(e.value)
