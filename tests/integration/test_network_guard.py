"""Network exposure: the non-loopback bind refusal, the Host allow-list (DNS
rebinding), CORS origins and preflight, and the JSON-only rule for
state-changing requests from browsers. Checked on native routes, an unknown
route and an upload route, since the guard sits in front of routing."""

import subprocess

import ollama
import pytest
import requests

from lokal_helpers import HTTP_TIMEOUT, LokalServer, client_env

# A route of each kind: read-only, state-changing JSON, upload, unknown.
ROUTES = [("GET", "/api/tags"), ("POST", "/api/show"), ("POST", "/api/blobs/sha256:" + "0" * 64),
          ("GET", "/no/such/route"), ("DELETE", "/api/delete")]


def call(server, method, path, headers=None, data=None):
    return requests.request(method, server.url + path, headers=headers or {}, data=data, timeout=HTTP_TIMEOUT)


@pytest.fixture
def guarded_server(binary, tmp_path):
    """A server with one extra allowed host and two allowed origins."""
    srv = LokalServer(binary, tmp_path)
    srv.extra_env = {"LOKAL_ALLOWED_HOSTS": "lokal.example.com, *.corp.example",
                     "LOKAL_ORIGINS": "https://app.example.com,http://localhost:*"}
    srv.start()
    yield srv
    srv.stop()


def run_serve(binary, tmp_path, env_extra, timeout=20):
    env = client_env("", tmp_path)
    env.update({"LOKAL_MODELS": str(tmp_path / "models")})
    env.update(env_extra)
    return subprocess.run([str(binary), "serve"], env=env, capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize("host", ["0.0.0.0:0", "[::]:0"])
def test_non_loopback_bind_without_auth_refuses_to_start(binary, tmp_path, host):
    p = run_serve(binary, tmp_path, {"LOKAL_HOST": host})
    assert p.returncode != 0
    assert "refusing to listen on" in p.stderr
    assert "LOKAL_INSECURE_NO_AUTH=1" in p.stderr  # says how to go on


def test_insecure_no_auth_starts_and_warns_loudly(binary, tmp_path):
    srv = LokalServer(binary, tmp_path)
    srv.extra_env = {"LOKAL_INSECURE_NO_AUTH": "1"}
    srv.start()
    try:
        # The server binds loopback here (the fixture's LOKAL_HOST): no warning.
        assert "WARNING" not in srv.log_path.read_text()
    finally:
        srv.stop()
    # On 0.0.0.0 it starts and says so. Port 0 would not be reachable by the
    # readiness probe's fixed port, so bind a free one.
    from lokal_helpers import free_port
    port = free_port()
    env = client_env(f"0.0.0.0:{port}", tmp_path)
    env.update({"LOKAL_MODELS": str(tmp_path / "models2"), "LOKAL_INSECURE_NO_AUTH": "1"})
    proc = subprocess.Popen([str(binary), "serve"], env=env, stderr=subprocess.PIPE, text=True)
    try:
        line = ""
        for _ in range(5):
            line += proc.stderr.readline()
            if "WARNING" in line:
                break
        assert "WARNING: LOKAL_INSECURE_NO_AUTH=1" in line
        assert requests.get(f"http://127.0.0.1:{port}/api/version", timeout=HTTP_TIMEOUT).status_code == 200
    finally:
        proc.terminate()
        proc.wait(15)


def test_wildcard_origin_with_credentials_refused_at_startup(binary, tmp_path):
    p = run_serve(binary, tmp_path, {"LOKAL_HOST": "127.0.0.1:0", "LOKAL_ORIGINS": "*",
                                     "LOKAL_CORS_CREDENTIALS": "1"})
    assert p.returncode != 0
    assert "LOKAL_CORS_CREDENTIALS" in p.stderr and "wildcard" in p.stderr


@pytest.mark.parametrize("method,path", ROUTES)
def test_foreign_host_header_gets_403_on_every_route(server, method, path):
    r = call(server, method, path, {"Host": f"attacker.example:{server.port}", "Content-Type": "application/json"},
             data=b"{}")
    assert r.status_code == 403
    assert "attacker.example" in r.json()["error"]
    assert "LOKAL_ALLOWED_HOSTS" in r.json()["error"]


@pytest.mark.parametrize("host", ["localhost", "LOCALHOST.", "127.0.0.1", "127.1.2.3", "[::1]", "app.localhost"])
def test_loopback_hosts_are_served(server, host):
    r = call(server, "GET", "/api/version", {"Host": f"{host}:{server.port}"})
    assert r.status_code == 200, r.text


def test_allowed_hosts_setting(guarded_server):
    ok = call(guarded_server, "GET", "/api/tags", {"Host": "lokal.example.com"})
    assert ok.status_code == 200
    assert call(guarded_server, "GET", "/api/tags", {"Host": "gpu1.corp.example:443"}).status_code == 200
    assert call(guarded_server, "GET", "/api/tags", {"Host": "corp.example.evil"}).status_code == 403


def test_foreign_origin_refused_own_origin_served(server):
    bad = call(server, "GET", "/api/tags", {"Origin": "https://evil.example"})
    assert bad.status_code == 403
    assert "LOKAL_ORIGINS" in bad.json()["error"]
    assert "Access-Control-Allow-Origin" not in bad.headers
    own = f"http://127.0.0.1:{server.port}"
    r = call(server, "GET", "/api/tags", {"Origin": own})
    assert r.status_code == 200
    assert r.headers["Access-Control-Allow-Origin"] == own
    assert "Origin" in r.headers["Vary"]
    assert "Access-Control-Allow-Credentials" not in r.headers
    # "null" (sandboxed frames, file://) is nobody's origin.
    assert call(server, "GET", "/api/tags", {"Origin": "null"}).status_code == 403


def test_listed_origins_and_wildcards(guarded_server):
    for origin in ["https://app.example.com", "http://localhost:5173"]:
        r = call(guarded_server, "POST", "/api/show", {"Origin": origin, "Content-Type": "application/json"},
                 data=b'{"model": "nope"}')
        assert r.status_code == 404  # past the guard, to the route
        assert r.headers["Access-Control-Allow-Origin"] == origin
    assert call(guarded_server, "GET", "/api/tags", {"Origin": "https://app.example.com.evil"}).status_code == 403


def test_preflight(guarded_server):
    h = {"Origin": "https://app.example.com", "Access-Control-Request-Method": "POST",
         "Access-Control-Request-Headers": "content-type, authorization"}
    r = call(guarded_server, "OPTIONS", "/api/chat", h)
    assert r.status_code == 204
    assert r.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert "POST" in r.headers["Access-Control-Allow-Methods"]
    assert r.headers["Access-Control-Allow-Headers"] == "content-type, authorization"
    h["Origin"] = "https://evil.example"
    assert call(guarded_server, "OPTIONS", "/api/chat", h).status_code == 403


@pytest.mark.parametrize("ctype", ["text/plain;charset=UTF-8", "multipart/form-data; boundary=x",
                                   "application/x-www-form-urlencoded"])
@pytest.mark.parametrize("path", ["/api/pull", "/api/delete", "/api/create", "/api/chat"])
def test_browser_form_posts_refused(server, ctype, path):
    # Even from the server's own origin: a page must send JSON, which needs a preflight.
    own = f"http://127.0.0.1:{server.port}"
    r = call(server, "POST" if path != "/api/delete" else "DELETE", path,
             {"Origin": own, "Content-Type": ctype}, data=b'{"model": "x"}')
    assert r.status_code == 415
    assert "application/json" in r.json()["error"]
    # An old browser without Origin still sends Sec-Fetch-*.
    r = call(server, "POST", path, {"Sec-Fetch-Site": "cross-site", "Content-Type": ctype}, data=b'{"model": "x"}')
    assert r.status_code == 415


def test_programs_keep_sending_what_they_send(server):
    # curl -d (x-www-form-urlencoded) and Node's fetch with a string body (text/plain)
    # carry no Origin: they reach the route as before.
    for ctype in ["application/x-www-form-urlencoded", "text/plain;charset=UTF-8", None]:
        h = {"Content-Type": ctype} if ctype else {}
        r = call(server, "POST", "/api/show", h, data=b'{"model": "no-such-model"}')
        assert r.status_code == 404, (ctype, r.text)


def test_official_client_through_the_guard(server, tmp_path):
    # The official client's JSON calls and its octet upload of a blob (sent with
    # its default Content-Type: application/json) pass.
    c = ollama.Client(host=server.url)
    assert isinstance(c.list().models, list)
    f = tmp_path / "blob.bin"
    f.write_bytes(b"not a model, just bytes")
    digest = c.create_blob(f)
    assert requests.head(server.url + "/api/blobs/" + digest, timeout=HTTP_TIMEOUT).status_code == 200
