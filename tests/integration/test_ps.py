"""GET /api/ps: what is loaded, with Ollama's fields."""

import re

from lokal_helpers import STORIES_GGUF, Api, find_model, now_utc, parse_time


def test_ps_fields(api, stories):
    api.generate(model=stories, prompt="Once", options={"num_predict": 1, "num_ctx": 1024})
    r = api.get("/api/ps")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/json")
    m = find_model(r.json()["models"], stories)
    assert m is not None, r.text
    assert m["name"] == "stories:latest"
    assert m["model"] == "stories:latest"
    # size is the memory the loaded model takes: at least its weights
    assert isinstance(m["size"], int) and m["size"] >= STORIES_GGUF.stat().st_size * 0.9, m["size"]
    assert isinstance(m["size_vram"], int) and 0 <= m["size_vram"] <= m["size"]
    tag = find_model(api.tags(), stories)
    assert m["digest"].removeprefix("sha256:") == tag["digest"].removeprefix("sha256:")
    assert re.fullmatch(r"[0-9a-f]{64}", m["digest"].removeprefix("sha256:"))
    assert m["details"]["family"] == "llama"
    assert m["details"]["format"] == "gguf"
    assert m["details"]["quantization_level"] == "F32"
    assert parse_time(m["expires_at"]) > now_utc()
    assert m["context_length"] == 1024


def test_ps_context_length_follows_request(api, tiny):
    api.generate(model=tiny, prompt="hi", options={"num_predict": 1, "num_ctx": 512})
    assert find_model(api.ps(), tiny)["context_length"] == 512
    # a different num_ctx reloads the model with the new context
    api.generate(model=tiny, prompt="hi", options={"num_predict": 1, "num_ctx": 768})
    assert find_model(api.ps(), tiny)["context_length"] == 768


def test_ps_lists_several_models(api, stories, tiny):
    api.generate(model=stories, prompt="Once", options={"num_predict": 1})
    api.generate(model=tiny, prompt="hi", options={"num_predict": 1})
    ps = api.ps()
    assert find_model(ps, stories) is not None and find_model(ps, tiny) is not None, [m["name"] for m in ps]


def test_ps_sorted_by_expiry(api, stories, tiny):
    api.generate(model=stories, prompt="Once", keep_alive="20m", options={"num_predict": 1})
    api.generate(model=tiny, prompt="hi", keep_alive="3m", options={"num_predict": 1})
    names = [m["name"] for m in api.ps()]
    assert names.index("stories:latest") < names.index("tiny-random:latest"), names


def test_ps_empty_list_shape(fresh_server):
    # nothing loaded: an empty list, not null or a missing key
    r = Api(fresh_server.url).get("/api/ps")
    assert r.status_code == 200
    assert r.json() == {"models": []}, r.text


def test_unloaded_model_leaves_ps(api, tiny):
    api.generate(model=tiny, prompt="hi", options={"num_predict": 1})
    assert find_model(api.ps(), tiny) is not None
    api.generate(model=tiny, keep_alive=0)
    assert api.wait_unloaded(tiny, 10)
    assert find_model(api.ps(), tiny) is None
