"""/api/push and /api/pull against a real OCI registry (Debian's
docker-registry on loopback, see registry_fixture.py): a model goes up, is
deleted locally, comes back byte for byte and runs; unknown tags and
tampered blobs are refused without leaving a model behind."""

from __future__ import annotations

import hashlib
import json
import socket
from pathlib import Path

import pytest

from lokal_helpers import STORIES_GGUF, Api, error_of, find_model
from registry_fixture import registry  # noqa: F401  (fixture)

SYSTEM = "You tell tiny stories."


def _api(srv) -> Api:
    return Api(srv.url)


def _create(api: Api, name: str) -> None:
    digest = api.push_blob(STORIES_GGUF)
    api.create(name, files={"stories260K.gguf": digest}, system=SYSTEM)


def _manifest_file(srv, name: str) -> Path:
    host, ns, rest = name.split("/")
    model, tag = rest.split(":")
    return srv.models_dir / "manifests" / host / ns / model / tag


def _digests(manifest: dict) -> list[str]:
    return [layer["digest"] for layer in manifest["layers"]] + [manifest["config"]["digest"]]


def _blob(srv, digest: str) -> Path:
    return srv.models_dir / "blobs" / digest.replace(":", "-")


def _statuses(items: list[dict]) -> list[str]:
    errors = [i["error"] for i in items if "error" in i]
    assert not errors, f"stream carried errors: {errors}"
    return [i["status"] for i in items]


def _push(api: Api, name: str) -> list[dict]:
    r, items = api.stream("/api/push", {"model": name, "insecure": True})
    assert r.status_code == 200, r.text[:300]
    return items


def test_push_delete_pull_roundtrip(fresh_server, registry):
    api = _api(fresh_server)
    name = f"{registry.host}/library/stories:latest"
    _create(api, name)
    manifest_bytes = _manifest_file(fresh_server, name).read_bytes()
    manifest = json.loads(manifest_bytes)
    digests = _digests(manifest)

    items = _push(api, name)
    statuses = _statuses(items)
    assert statuses[0] == "retrieving manifest"
    assert statuses[-2:] == ["pushing manifest", "success"]
    for d in digests:
        assert f"pushing {d[7:19]}" in statuses, statuses
        assert registry.blob_data(d).is_file(), f"{d} not in the registry"
        done = [i for i in items if i.get("digest") == d]
        assert done[-1]["completed"] == done[-1]["total"]
    model_layer = next(i for i in items if i.get("digest") == manifest["layers"][0]["digest"])
    assert model_layer["total"] == STORIES_GGUF.stat().st_size

    r = api.delete("/api/delete", {"model": name})
    assert r.status_code == 200, r.text
    assert not _manifest_file(fresh_server, name).exists()
    assert not any(_blob(fresh_server, d).exists() for d in digests)

    r, items = api.stream("/api/pull", {"model": name, "insecure": True})
    assert r.status_code == 200, r.text[:300]
    statuses = _statuses(items)
    assert statuses[0] == "pulling manifest"
    assert statuses[-3:] == ["verifying sha256 digest", "writing manifest", "success"]
    for d in digests:
        assert f"pulling {d[7:19]}" in statuses, statuses
    assert _manifest_file(fresh_server, name).read_bytes() == manifest_bytes
    for d in digests:
        assert hashlib.sha256(_blob(fresh_server, d).read_bytes()).hexdigest() == d[7:]
    assert _blob(fresh_server, manifest["layers"][0]["digest"]).read_bytes() == STORIES_GGUF.read_bytes()
    assert find_model(api.tags(), f"{registry.host}/library/stories:latest")

    out = api.generate(model=name, prompt="Once upon a time", options={"num_predict": 5, "temperature": 0})
    assert out["done"] is True
    assert 0 < out["eval_count"] <= 5
    assert api.show(name)["system"] == SYSTEM


def test_pull_and_push_unstreamed_are_idempotent(fresh_server, registry):
    api = _api(fresh_server)
    name = f"{registry.host}/library/stories:again"
    _create(api, name)
    for route in ("/api/push", "/api/push", "/api/pull"):
        r = api.post(route, {"model": name, "insecure": True, "stream": False})
        assert r.status_code == 200, f"{route}: {r.text[:300]}"
        assert r.json() == {"status": "success"}


def test_pull_unknown_tag_is_not_found(fresh_server, registry):
    api = _api(fresh_server)
    r = api.post("/api/pull", {"model": f"{registry.host}/library/stories:no-such-tag", "insecure": True})
    assert r.status_code == 404, r.text[:300]
    assert "file does not exist" in error_of(r)
    assert api.tags() == []


def test_push_unknown_model_is_not_found(fresh_server, registry):
    api = _api(fresh_server)
    r = api.post("/api/push", {"model": f"{registry.host}/library/absent:latest", "insecure": True})
    assert r.status_code == 404, r.text[:300]
    error_of(r)


@pytest.mark.parametrize("body", [{}, {"model": "a@b/c"}, {"model": "x", "insecure": "yes"},
                                  {"model": "x", "stream": 1}])
def test_bad_requests(fresh_server, body):
    api = _api(fresh_server)
    for route in ("/api/pull", "/api/push"):
        r = api.post(route, body)
        assert r.status_code == 400, f"{route} {body}: {r.status_code} {r.text[:200]}"
        error_of(r)


def test_plain_http_needs_insecure(fresh_server, registry):
    """Without insecure the registry is spoken to over https, which a plain
    http registry cannot answer: refused, nothing written."""
    api = _api(fresh_server)
    r = api.post("/api/pull", {"model": f"{registry.host}/library/stories:latest"})
    assert r.status_code >= 400, r.text[:300]
    error_of(r)
    assert api.tags() == []


@pytest.mark.parametrize("damage", ["flipped", "truncated", "longer"])
def test_tampered_blob_is_refused(fresh_server, registry, damage):
    api = _api(fresh_server)
    name = f"{registry.host}/library/tampered-{damage}:latest"
    _create(api, name)
    manifest = json.loads(_manifest_file(fresh_server, name).read_bytes())
    _push(api, name)
    assert api.delete("/api/delete", {"model": name}).status_code == 200

    data = registry.blob_data(manifest["layers"][0]["digest"])
    original = data.read_bytes()
    try:
        if damage == "flipped":
            data.write_bytes(original[:1000] + bytes([original[1000] ^ 0xFF]) + original[1001:])
        elif damage == "truncated":
            data.write_bytes(original[: len(original) // 2])
        else:
            data.write_bytes(original + b"extra")
        r, items = api.stream("/api/pull", {"model": name, "insecure": True})
        assert r.status_code == 200 or r.status_code >= 400
        errors = [i["error"] for i in items if "error" in i] if r.status_code == 200 else [error_of(r)]
        assert errors, f"tampered blob accepted: {items}"
        assert "success" not in [i.get("status") for i in items]
        r = api.post("/api/pull", {"model": name, "insecure": True, "stream": False})
        assert r.status_code >= 400, r.text[:300]
    finally:
        data.write_bytes(original)
    assert find_model(api.tags(), name) is None
    assert not _manifest_file(fresh_server, name).exists()
    assert not _blob(fresh_server, manifest["layers"][0]["digest"]).exists()
    leftovers = [p.name for p in (fresh_server.models_dir / "blobs").iterdir() if not p.name.startswith("sha256-")]
    assert leftovers == []


# --- bearer tokens and redirects (scripted registry) -------------------------

from registry_fixture import PASSWORD, TOKEN, USER, ScriptedRegistry, server_with_env  # noqa: E402,F401


@pytest.fixture
def scripted():
    reg = ScriptedRegistry(STORIES_GGUF.read_bytes())
    yield reg
    reg.close()


def _auth_file(tmp_path: Path, host: str) -> Path:
    p = tmp_path / f"auth-{host.replace(':', '_')}.json"
    p.write_text(json.dumps({"auths": {host: {"username": USER, "password": PASSWORD}}}))
    return p


def test_bearer_token_and_redirect_keep_credentials_home(scripted, server_with_env, tmp_path):
    srv = server_with_env({"LOKAL_REGISTRY_AUTH_FILE": str(_auth_file(tmp_path, scripted.token_host))})
    api = _api(srv)
    name = f"{scripted.host}/library/m:latest"
    r, items = api.stream("/api/pull", {"model": name, "insecure": True})
    assert r.status_code == 200, r.text[:300]
    assert _statuses(items)[-1] == "success"
    for d, data in scripted.blobs.items():
        assert _blob(srv, d).read_bytes() == data
    # The registry's very bytes (Python's formatting, not Go's), so the digest stays the registry's.
    assert _manifest_file(srv, name).read_bytes() == scripted.manifest

    assert f"Bearer {TOKEN}" in scripted.auth_seen("registry")
    assert all(a.startswith("Basic ") for a in scripted.auth_seen("token"))
    # The CDN got the blobs without the registry's token.
    assert scripted.auth_seen("cdn") and all(a == "" for a in scripted.auth_seen("cdn"))
    # Basic credentials only ever went to the token service they were given for.
    assert not any(a.startswith("Basic ") for a in scripted.auth_seen("registry"))


def test_credentials_for_the_registry_are_not_sent_to_another_token_host(scripted, server_with_env, tmp_path):
    srv = server_with_env({"LOKAL_REGISTRY_AUTH_FILE": str(_auth_file(tmp_path, scripted.host))})
    api = _api(srv)
    r = api.post("/api/pull", {"model": f"{scripted.host}/library/m:latest", "insecure": True})
    assert r.status_code == 401, r.text[:300]
    error_of(r)
    assert scripted.auth_seen("token") == [""]
    assert api.tags() == []


def test_no_credentials_is_unauthorized(scripted, server_with_env):
    srv = server_with_env({})
    api = _api(srv)
    r = api.post("/api/pull", {"model": f"{scripted.host}/library/m:latest", "insecure": True, "stream": False})
    assert r.status_code == 401, r.text[:300]
    error_of(r)


def _non_loopback_ip() -> str | None:
    """An address of this machine other than loopback (the one its default route uses)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # no packet is sent: this only picks a route
        except OSError:
            return None
        ip = s.getsockname()[0]
    return None if ip.startswith("127.") else ip


@pytest.mark.parametrize("spelling", ["127.1", "2130706433", "localhost"])
@pytest.mark.parametrize("via", ["token service", "blob redirect"])
def test_a_remote_registry_cannot_point_lokal_at_this_machine(server_with_env, tmp_path, spelling, via):
    # A registry that is not on this machine names a token service or a
    # CDN that is, by a spelling no name check knows (127.1 resolves to
    # 127.0.0.1): lokal refuses once it sees the address it connected to.
    ip = _non_loopback_ip()
    if ip is None:
        pytest.skip("this machine has no address besides loopback to play a remote registry on")
    for elsewhere, elsewhere_ip in ((spelling, "127.0.0.1"), (ip, ip)):  # then the same, not loopback: works
        reg = ScriptedRegistry(STORIES_GGUF.read_bytes(), ip=ip, elsewhere=elsewhere, elsewhere_ip=elsewhere_ip,
                               open_=via == "blob redirect")
        try:
            srv = server_with_env({"LOKAL_REGISTRY_AUTH_FILE": str(_auth_file(tmp_path, reg.token_host))},
                                  sub=f"srv-{elsewhere}")
            r = _api(srv).post("/api/pull", {"model": f"{reg.host}/library/m:latest", "insecure": True,
                                             "stream": False})
            served = reg.auth_seen("token" if via == "token service" else "cdn")
        finally:
            reg.close()
        if elsewhere == ip:
            assert r.status_code == 200, r.text[:300]
            continue
        assert r.status_code == 403, r.text[:300]
        # By name ("localhost") a redirect is refused as such; else at the connection.
        assert "refusing" in error_of(r) and "this machine" in error_of(r), r.text[:300]
        assert served == []  # nothing was sent to it


def test_transient_blob_failure_is_retried(server_with_env, tmp_path):
    scripted = ScriptedRegistry(STORIES_GGUF.read_bytes(), cdn_failures=1)
    try:
        srv = server_with_env({"LOKAL_REGISTRY_AUTH_FILE": str(_auth_file(tmp_path, scripted.token_host))})
        api = _api(srv)
        r = api.post("/api/pull", {"model": f"{scripted.host}/library/m:latest", "insecure": True, "stream": False})
        assert r.status_code == 200, r.text[:300]
        assert r.json() == {"status": "success"}
        assert scripted.cdn_failures == 0
    finally:
        scripted.close()


# --- the CLI ------------------------------------------------------------------

import subprocess  # noqa: E402

from lokal_helpers import client_env  # noqa: E402


def _cli(srv, *args):
    return subprocess.run([str(srv.binary), *args], env=client_env(srv.host, srv.home), capture_output=True,
                          text=True, timeout=120, stdin=subprocess.DEVNULL)


def test_cli_push_and_pull(fresh_server, registry):
    api = _api(fresh_server)
    name = f"{registry.host}/library/cli-model:v1"
    _create(api, name)
    out = _cli(fresh_server, "push", "--insecure", name)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "You can find your model at" in out.stdout  # progress is drawn only on a terminal
    assert api.delete("/api/delete", {"model": name}).status_code == 200

    out = _cli(fresh_server, "pull", "--insecure", name)
    assert out.returncode == 0, out.stderr[-2000:]
    assert find_model(api.tags(), name)

    out = _cli(fresh_server, "pull", "--insecure", f"{registry.host}/library/cli-model:nope")
    assert out.returncode != 0
    assert "file does not exist" in out.stderr, out.stderr[-2000:]
