"""GET / and HEAD / (liveness as Ollama answers it) and GET /api/version."""

import re


def test_root_get_says_running(api):
    r = api.get("/")
    assert r.status_code == 200
    assert r.text == "Ollama is running"


def test_root_head(api):
    r = api.head("/")
    assert r.status_code == 200
    assert r.text == ""


def test_version(api):
    r = api.get("/api/version")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/json")
    v = r.json()["version"]
    assert re.fullmatch(r"\d+\.\d+\.\d+([-+.][0-9A-Za-z.-]+)?", v), f"not a version: {v!r}"


def test_version_head(api):
    r = api.head("/api/version")
    assert r.status_code == 200


def test_unknown_route_is_404(api):
    r = api.get("/api/no-such-route")
    assert r.status_code == 404
