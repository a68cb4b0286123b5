"""A `from` model missing from the store is pulled first, as Ollama does:
the pull's statuses stream ahead of create's, the base model lands in the
store, and the new model is built on it. Tested against the real registry
(docker-registry; "insecure", as in /api/pull, for its plain http)."""

from __future__ import annotations

from lokal_helpers import STORIES_GGUF, Api, error_of, find_model
from registry_fixture import registry  # noqa: F401  (fixture)
from test_pull_resume import lokal  # noqa: F401  (fixture)


def test_create_from_a_model_that_is_only_in_the_registry(registry, lokal, tmp_path):  # noqa: F811
    base = f"{registry.host}/library/base:v1"
    a = Api(lokal(tmp_path / "a", {}).url)
    a.create(base, files={"stories260K.gguf": a.push_blob(STORIES_GGUF)})
    r = a.post("/api/push", {"model": base, "insecure": True, "stream": False})
    assert r.status_code == 200, r.text[:300]

    b = Api(lokal(tmp_path / "b", {}).url)
    r, items = b.stream("/api/create", {"model": "derived", "from": base, "insecure": True, "system": "Be brief."})
    assert r.status_code == 200, r.text[:300]
    assert not [i for i in items if "error" in i], items[-3:]
    statuses = [i["status"] for i in items]
    pulled = statuses.index("success")
    assert statuses[0] == "pulling manifest"
    assert statuses[pulled - 2:pulled] == ["verifying sha256 digest", "writing manifest"]
    assert any(s.startswith("pulling ") and len(s) == len("pulling ") + 12 for s in statuses[:pulled])
    assert statuses[-2:] == ["writing manifest", "success"]
    assert any(s.startswith("using existing layer sha256:") for s in statuses[pulled:])
    assert find_model(b.tags(), base) and find_model(b.tags(), "derived")
    assert b.show("derived")["system"] == "Be brief."
    out = b.generate(model="derived", prompt="Once", options={"num_predict": 3, "temperature": 0})
    assert out["done"] is True


def test_create_from_a_model_nowhere_is_not_found(registry, lokal, tmp_path):  # noqa: F811
    b = Api(lokal(tmp_path / "b", {}).url)
    r = b.post("/api/create", {"model": "x", "from": f"{registry.host}/library/absent:v1", "insecure": True})
    assert r.status_code == 404, r.text[:300]
    assert "file does not exist" in error_of(r)
    assert b.tags() == []
