"""Bad requests get 4xx with Ollama's {"error": "..."} body, and the server
keeps answering after every one of them."""

import pytest
import requests

from lokal_helpers import HTTP_TIMEOUT, error_of


@pytest.fixture(autouse=True)
def still_answers(api):
    yield
    r = api.get("/api/version", timeout=10)
    assert r.status_code == 200, "server stopped answering after a bad request"


def post_raw(api, path, data, content_type="application/json"):
    return requests.post(api.base + path, data=data, headers={"Content-Type": content_type},
                         timeout=HTTP_TIMEOUT)


@pytest.mark.parametrize("path", ["/api/generate", "/api/chat", "/api/show", "/api/create", "/api/copy"])
@pytest.mark.parametrize("body", [b"{not json", b"", b"[1, 2, 3]", b'"just a string"', b"\xff\xfe\x00garbage",
                                  b'{"model": "stories"'])
def test_malformed_json_400(api, stories, path, body):
    r = post_raw(api, path, body)
    assert r.status_code == 400, f"{path} {body[:20]!r}: HTTP {r.status_code}: {r.text[:200]}"
    assert r.headers["Content-Type"].startswith("application/json")
    error_of(r)


def test_delete_malformed_json_400(api):
    r = requests.delete(api.base + "/api/delete", data=b"{oops", timeout=HTTP_TIMEOUT)
    assert r.status_code == 400
    error_of(r)


@pytest.mark.parametrize("field,value", [
    ("prompt", 5),
    ("prompt", ["a"]),
    ("stream", "yes"),
    ("raw", "true"),
    ("options", "fast"),
    ("options", [1, 2]),
    ("keep_alive", "forever"),
    ("keep_alive", {"minutes": 5}),
    ("context", "1,2,3"),
    ("system", 12),
    ("model", 7),
])
def test_wrong_types_400(api, stories, field, value):
    body = {"model": stories, "prompt": "Once", "options": {"num_predict": 1}}
    body[field] = value
    r = api.refusal("/api/generate", body)
    assert r.status_code == 400, f"{field}={value!r}: HTTP {r.status_code}: {r.text[:200]}"
    error_of(r)


@pytest.mark.parametrize("opts", [
    {"temperature": "hot"},
    {"num_predict": "many"},
    {"num_ctx": [2048]},
    {"stop": 5},
    {"seed": "abc"},
    {"top_k": {"k": 1}},
])
def test_wrong_option_types_400(api, stories, opts):
    r = api.refusal("/api/generate", {"model": stories, "prompt": "Once", "options": opts})
    assert r.status_code == 400, f"{opts}: HTTP {r.status_code}: {r.text[:200]}"
    error_of(r)


@pytest.mark.parametrize("opts", [
    {"num_ctx": 1_000_000_000},
    {"num_ctx": -1},
    {"num_predict": -5},
])
def test_absurd_options_4xx(api, stories, opts):
    r = api.refusal("/api/generate", {"model": stories, "prompt": "Once",
                                      "options": {"num_predict": 2, **opts} if "num_predict" not in opts else opts})
    assert 400 <= r.status_code < 500, f"{opts}: HTTP {r.status_code}: {r.text[:200]}"
    error_of(r)


def test_unknown_option_is_not_fatal(api, stories):
    # Ollama logs and ignores unknown option names
    r = api.post("/api/generate", {"model": stories, "prompt": "Once", "stream": False,
                                   "options": {"num_predict": 2, "no_such_option": 1}})
    assert r.status_code == 200, r.text
    assert r.json()["eval_count"] == 2


@pytest.mark.parametrize("path,body", [
    ("/api/generate", {"model": "does-not-exist", "prompt": "hi"}),
    ("/api/generate", {"model": "does-not-exist", "prompt": "hi", "stream": False}),
    ("/api/chat", {"model": "does-not-exist", "messages": [{"role": "user", "content": "hi"}]}),
    ("/api/show", {"model": "does-not-exist"}),
])
def test_unknown_model_404(api, path, body):
    r = api.refusal(path, body)
    assert r.status_code == 404, r.text
    assert r.json() == {"error": "model 'does-not-exist' not found"}


def test_unknown_model_with_tag_404(api):
    r = api.post("/api/generate", {"model": "stories:nope", "prompt": "hi"})
    assert r.status_code == 404
    assert error_of(r) == "model 'stories:nope' not found"


@pytest.mark.parametrize("path,body", [
    ("/api/generate", {"prompt": "hi"}),
    ("/api/generate", {"model": "", "prompt": "hi"}),
    ("/api/chat", {"messages": [{"role": "user", "content": "hi"}]}),
    ("/api/show", {}),
    ("/api/delete", {}),
    ("/api/copy", {"destination": "x"}),
    ("/api/copy", {"source": "stories"}),
])
def test_missing_model_400(api, stories, path, body):
    r = api.refusal(path, body, method="DELETE" if path == "/api/delete" else "POST")
    assert r.status_code == 400, f"{path} {body}: HTTP {r.status_code}: {r.text[:200]}"
    error_of(r)


@pytest.mark.parametrize("name", ["../../etc/passwd", "a/../../b", "/abs", "x" * 1000,
                                  "bad name", "name:tag:extra", "név\x00null"])
def test_hostile_model_names(api, name):
    r = api.refusal("/api/generate", {"model": name, "prompt": "hi", "options": {"num_predict": 1}})
    assert r.status_code in (400, 404), f"{name[:30]!r}: HTTP {r.status_code}: {r.text[:200]}"
    error_of(r)
    r = api.post("/api/show", {"model": name})
    assert r.status_code in (400, 404), f"show {name[:30]!r}: HTTP {r.status_code}"


def test_wrong_method(api):
    r = api.get("/api/generate")
    assert r.status_code in (404, 405)
    r = api.post("/api/tags", {})
    assert r.status_code in (404, 405)


def test_huge_prompt_is_handled(api, stories):
    # 4 MB of text: either refused (4xx) or truncated to the context and answered
    prompt = "Lily had a ball. " * 250_000
    r = api.post("/api/generate", {"model": stories, "prompt": prompt, "stream": False,
                                   "options": {"num_predict": 2, "num_ctx": 512}}, timeout=180)
    assert r.status_code in (200, 400, 413), f"HTTP {r.status_code}: {r.text[:200]}"
    if r.status_code == 200:
        assert r.json()["prompt_eval_count"] <= 512


def test_error_mid_stream_is_a_json_line(api, stories):
    # asking for a stream on an unknown model: the error still comes as JSON with a 404
    r = requests.post(api.base + "/api/generate", json={"model": "nope-model", "prompt": "x"},
                      stream=True, timeout=HTTP_TIMEOUT)
    assert r.status_code == 404
    assert r.json() == {"error": "model 'nope-model' not found"}
