"""Authentication (LOKAL_AUTH=1): every route the server registered, read from
its own listing, is called with no key, a wrong key, a revoked key, a key of
each scope and an admin key; the official ollama, openai and anthropic
clients pass keys through their usual settings; `lokal user|key` work on the
database directly (bootstrap) and through the API."""

from __future__ import annotations

import json
import subprocess

import anthropic
import ollama
import openai
import pytest
import requests

from lokal_helpers import HTTP_TIMEOUT, STORIES_GGUF, Api, LokalServer, free_port

OPEN_NEEDS = {"public"}
ROOT_PASSWORD = "root-password-1"


def lokal(server: LokalServer, *args, stdin: str = "", key: str | None = None, check=True):
    env = server.env()
    if key:
        env["LOKAL_API_KEY"] = key
    p = subprocess.run([str(server.binary), *args], env=env, input=stdin, capture_output=True, text=True, timeout=60)
    if check:
        assert p.returncode == 0, f"lokal {' '.join(args)}: exit {p.returncode}\n{p.stdout}\n{p.stderr}"
    return p


def new_key(server, user, scope, name="test"):
    return lokal(server, "key", "create", "--user", user, "--scope", scope, "--name", name).stdout.strip()


@pytest.fixture(scope="module")
def auth(binary, tmp_path_factory):
    srv = LokalServer(binary, tmp_path_factory.mktemp("auth"), {"LOKAL_AUTH": "1"})
    srv.home.mkdir(parents=True, exist_ok=True)
    # Bootstrap on the database, before any server runs.
    lokal(srv, "user", "add", "--admin", "root", "--password-stdin", stdin=ROOT_PASSWORD + "\n")
    lokal(srv, "user", "add", "bob", stdin="bob-password-1\n")  # stdin is not a terminal
    keys = {
        "admin": new_key(srv, "root", "admin"),
        "inference": new_key(srv, "bob", "inference"),
        "models": new_key(srv, "bob", "models"),
        "revoked": new_key(srv, "bob", "inference,models"),
    }
    listed = lokal(srv, "key", "list", "--user", "bob").stdout
    revoked_id = [line.split()[0] for line in listed.splitlines()[1:] if line.split()[3] == keys["revoked"][:10]][0]
    lokal(srv, "key", "revoke", revoked_id)
    srv.start()
    srv.keys = keys
    admin = Api(srv.url)
    admin.s.headers["Authorization"] = "Bearer " + keys["admin"]
    digest = admin.push_blob(STORIES_GGUF)
    admin.create("stories", files={"stories260K.gguf": digest})
    yield srv
    srv.stop()


def concrete(pattern: str) -> str:
    """A request path for a registered pattern (params filled, regex escapes dropped)."""
    path = pattern.replace(":digest", "sha256-" + "0" * 64).replace(":message_id", "1").replace(":id", "999999")
    return path.replace(":name", "nobody").replace("(.+)", "x").replace("\\", "")


def routes(auth) -> list[dict]:
    r = requests.get(auth.url + "/lokal/api/routes", headers={"Authorization": "Bearer " + auth.keys["admin"]},
                     timeout=HTTP_TIMEOUT)
    assert r.status_code == 200, r.text
    return r.json()["routes"]


def call(auth, method, path, headers):
    data = None if method in ("GET", "HEAD") else b"{}"
    if data is not None:
        headers = {**headers, "Content-Type": "application/json"}
    return requests.request(method, auth.url + path, headers=headers, data=data, timeout=HTTP_TIMEOUT)


def test_route_listing_is_complete_and_closed_by_default(auth):
    table = routes(auth)
    seen = {(r["method"], r["pattern"]): r["need"] for r in table}
    expect = {("POST", "/api/generate"): "inference", ("POST", "/api/chat"): "inference",
              ("POST", "/api/embed"): "inference", ("GET", "/api/tags"): "inference",
              ("POST", "/api/rerank"): "inference", ("POST", "/v1/rerank"): "inference",
              ("POST", "/v1/responses"): "inference",
              ("POST", "/v1/chat/completions"): "inference", ("POST", "/v1/messages"): "inference",
              ("GET", "/lokal/api/chats"): "inference", ("GET", "/lokal/api/folders"): "inference",
              ("POST", "/api/pull"): "models",
              ("POST", "/api/blobs/:digest"): "models", ("DELETE", "/api/delete"): "models",
              ("POST", "/lokal/api/users"): "admin", ("POST", "/lokal/api/keys"): "admin",
              ("GET", "/"): "public", ("GET", "/api/version"): "public"}
    for k, need in expect.items():
        assert seen.get(k) == need, (k, seen.get(k))
    assert {r["need"] for r in table} <= {"public", "signed-in", "inference", "models", "admin"}
    # Open: `/`, the version, the login route and the web UI's own files only.
    for r in table:
        if r["need"] == "public" and r["pattern"] not in ("/", "/api/version", "/lokal/api/auth/login"):
            assert r["method"] == "GET" and not r["pattern"].startswith(("/api/", "/v1/", "/lokal/api/")), r


@pytest.mark.parametrize("who", ["none", "wrong", "revoked", "inference", "models", "admin"])
def test_every_route_with_every_credential(auth, who):
    secret = {"none": None, "wrong": "lk-" + "A" * 43}.get(who, auth.keys.get(who))
    headers = {"Authorization": "Bearer " + secret} if secret else {}
    held = {"inference": {"inference"}, "models": {"models"}, "admin": {"inference", "models", "admin"}}.get(who)
    failures = []
    for r in routes(auth):
        methods = [r["method"]] + (["HEAD"] if r["method"] == "GET" else [])
        for method in methods:
            got = call(auth, method, concrete(r["pattern"]), headers).status_code
            need = r["need"]
            if need in OPEN_NEEDS:
                ok = got not in (401, 403)
            elif held is None:
                ok = got == 401
            elif need == "signed-in" or need in held:
                ok = got not in (401, 403) and got < 500
            else:
                ok = got == 403
            if not ok:
                failures.append(f"{method} {r['pattern']} ({need}) as {who}: {got}")
    assert not failures, "\n".join(failures)


def test_unknown_paths_need_a_credential(auth):
    assert call(auth, "GET", "/no/such/route", {}).status_code == 401
    assert call(auth, "POST", "/api/no-such", {}).status_code == 401
    r = call(auth, "GET", "/no/such/route", {"x-api-key": auth.keys["inference"]})
    assert r.status_code == 404 and r.text == "404 page not found"


def test_refusals_in_each_dialect(auth):
    r = call(auth, "POST", "/api/chat", {})
    assert r.status_code == 401 and r.json() == {"error": "unauthorized"}
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    r = call(auth, "POST", "/v1/chat/completions", {"Authorization": "Bearer lk-nope"})
    assert r.status_code == 401 and r.json()["error"]["type"] == "authentication_error"
    r = call(auth, "POST", "/v1/messages", {"x-api-key": "lk-nope"})
    assert r.status_code == 401
    assert r.json() == {"type": "error", "error": {"type": "authentication_error", "message": "unauthorized"}}
    r = call(auth, "POST", "/api/pull", {"x-api-key": auth.keys["inference"]})
    assert r.status_code == 403 and "models scope" in r.json()["error"]


def test_keys_never_come_from_the_query_string(auth):
    key = auth.keys["admin"]
    for q in (f"?key={key}", f"?api_key={key}", f"?token={key}"):
        assert requests.get(auth.url + "/api/tags" + q, timeout=HTTP_TIMEOUT).status_code == 401


def test_x_api_key_and_bearer_are_equivalent(auth):
    key = auth.keys["inference"]
    a = requests.get(auth.url + "/api/tags", headers={"x-api-key": key}, timeout=HTTP_TIMEOUT)
    b = requests.get(auth.url + "/api/tags", headers={"Authorization": "bearer " + key}, timeout=HTTP_TIMEOUT)
    assert a.status_code == b.status_code == 200 and a.json() == b.json()


def test_refused_upload_is_not_read(auth):
    # A refused blob upload answers before the body and closes the connection.
    r = requests.post(auth.url + "/api/blobs/sha256:" + "1" * 64, data=b"x" * 1_000_000, timeout=HTTP_TIMEOUT)
    assert r.status_code == 401
    assert r.headers.get("Connection", "").lower() == "close"


def test_ollama_client_with_key(auth, monkeypatch):
    c = ollama.Client(host=auth.url, headers={"Authorization": "Bearer " + auth.keys["inference"]})
    assert any(m.model.startswith("stories") for m in c.list().models)
    out = c.generate(model="stories", prompt="Once", options={"num_predict": 4, "temperature": 0})
    assert out.done and out.eval_count > 0
    # OLLAMA_API_KEY is the client's own setting for the same header.
    monkeypatch.setenv("OLLAMA_API_KEY", auth.keys["inference"])
    assert ollama.Client(host=auth.url).list().models
    monkeypatch.delenv("OLLAMA_API_KEY")
    with pytest.raises(ollama.ResponseError) as e:
        ollama.Client(host=auth.url).list()
    assert e.value.status_code == 401 and e.value.error == "unauthorized"
    with pytest.raises(ollama.ResponseError) as e:
        c.delete("stories")
    assert e.value.status_code == 403


def test_openai_client_with_key(auth):
    c = openai.OpenAI(base_url=auth.url + "/v1", api_key=auth.keys["inference"], max_retries=0)
    assert "stories" in [m.id.split(":")[0] for m in c.models.list()]
    out = c.completions.create(model="stories", prompt="Once", max_tokens=4, temperature=0)
    assert out.choices[0].text
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=auth.url + "/v1", api_key="lk-wrong", max_retries=0).models.list()
    with pytest.raises(openai.PermissionDeniedError):
        openai.OpenAI(base_url=auth.url + "/v1", api_key=auth.keys["models"], max_retries=0).models.list()


def test_anthropic_client_with_key(auth):
    c = anthropic.Anthropic(base_url=auth.url, api_key=auth.keys["inference"], max_retries=0, timeout=120)
    n = c.messages.count_tokens(model="stories", messages=[{"role": "user", "content": "Hello"}])
    assert n.input_tokens > 0
    bad = anthropic.Anthropic(base_url=auth.url, api_key=auth.keys["revoked"], max_retries=0)
    with pytest.raises(anthropic.AuthenticationError):
        bad.messages.count_tokens(model="stories", messages=[{"role": "user", "content": "Hello"}])


def test_cli_through_the_api(auth):
    admin = auth.keys["admin"]
    users = lokal(auth, "user", "list", key=admin).stdout
    assert "root" in users and "bob" in users and "local" not in users.split()
    assert "stories" in lokal(auth, "list", key=admin).stdout
    refused = lokal(auth, "list", check=False)
    assert refused.returncode != 0 and "unauthorized" in refused.stderr
    # A key made through the API works at once and stops at once when revoked.
    key = lokal(auth, "key", "create", "--user", "bob", "--scope", "inference", "--name", "ci", key=admin).stdout.strip()
    assert key.startswith("lk-")
    assert requests.get(auth.url + "/api/tags", headers={"x-api-key": key}, timeout=HTTP_TIMEOUT).status_code == 200
    listed = lokal(auth, "key", "list", "--user", "bob", key=admin).stdout
    key_id = [line.split()[0] for line in listed.splitlines()[1:] if line.split()[3] == key[:10]][0]
    lokal(auth, "key", "revoke", key_id, key=admin)
    assert requests.get(auth.url + "/api/tags", headers={"x-api-key": key}, timeout=HTTP_TIMEOUT).status_code == 401
    # A user key cannot manage accounts through the API.
    denied = lokal(auth, "user", "list", key=auth.keys["inference"], check=False)
    assert denied.returncode != 0 and "admin scope" in denied.stderr


def test_user_lifecycle_through_the_api(auth):
    h = {"Authorization": "Bearer " + auth.keys["admin"]}
    u = auth.url + "/lokal/api/users"
    r = requests.post(u, json={"name": "carol", "password": "carol-password", "role": "user"}, headers=h, timeout=30)
    assert r.status_code == 201 and r.json()["role"] == "user"
    assert requests.post(u, json={"name": "carol", "password": "x" * 10}, headers=h, timeout=30).status_code == 409
    assert requests.post(u, json={"name": "dave", "password": "short"}, headers=h, timeout=30).status_code == 400
    k = requests.post(auth.url + "/lokal/api/keys", json={"user": "carol", "scopes": ["admin"]}, headers=h, timeout=30)
    assert k.status_code == 403  # a user cannot hold the admin scope
    k = requests.post(auth.url + "/lokal/api/keys", json={"user": "carol", "scopes": ["inference"]}, headers=h, timeout=30)
    assert k.status_code == 201
    carol = {"x-api-key": k.json()["key"]}
    assert requests.get(auth.url + "/api/tags", headers=carol, timeout=30).status_code == 200
    assert requests.delete(u + "/carol", headers=h, timeout=30).status_code == 200
    assert requests.get(auth.url + "/api/tags", headers=carol, timeout=30).status_code == 401
    assert requests.delete(u + "/root", headers=h, timeout=30).status_code == 409  # the last admin stays


def test_auth_without_an_admin_refuses_to_start(binary, tmp_path):
    srv = LokalServer(binary, tmp_path, {"LOKAL_AUTH": "1"})
    srv.home.mkdir(parents=True)
    p = subprocess.run([str(binary), "serve"], env=srv.env(), capture_output=True, text=True, timeout=30)
    assert p.returncode != 0 and "lokal user add --admin NAME" in p.stderr


def test_auth_allows_a_non_loopback_bind(auth):
    env = auth.env()
    port = free_port()
    env["LOKAL_HOST"] = f"0.0.0.0:{port}"
    proc = subprocess.Popen([str(auth.binary), "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)
    try:
        # Up to the "listening on" line (a CUDA build may log first that it finds no GPU).
        lines = [proc.stdout.readline()]
        while lines[-1] and "listening on" not in lines[-1] and len(lines) < 20:
            lines.append(proc.stdout.readline())
        assert "listening on" in lines[-1], lines
        assert not any("WARNING" in line for line in lines), lines
        r = requests.get(f"http://127.0.0.1:{port}/api/tags", timeout=HTTP_TIMEOUT)
        assert r.status_code == 401
    finally:
        proc.terminate()
        proc.wait(15)


# --- web sessions -----------------------------------------------------------

def login(auth, name, password):
    s = requests.Session()
    r = s.post(auth.url + "/lokal/api/auth/login", json={"name": name, "password": password}, timeout=HTTP_TIMEOUT)
    return s, r


def test_login_sets_a_strict_http_only_cookie(auth):
    s, r = login(auth, "bob", "bob-password-1")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["name"] == "bob" and body["role"] == "user" and len(body["csrf_token"]) == 64
    cookie = r.headers["Set-Cookie"]
    assert cookie.startswith("lokal_session=lks-")
    for attr in ("HttpOnly", "SameSite=Strict", "Path=/"):
        assert attr in cookie
    assert "Secure" not in cookie  # plain HTTP here; TLS adds it
    me = s.get(auth.url + "/lokal/api/auth/me", timeout=HTTP_TIMEOUT)
    assert me.status_code == 200
    assert me.json() == {"auth": True, "name": "bob", "role": "user", "csrf_token": body["csrf_token"]}
    # A user's session has the inference scope: reading works, managing models does not.
    assert s.get(auth.url + "/api/tags", timeout=HTTP_TIMEOUT).status_code == 200
    h = {"X-Lokal-CSRF": body["csrf_token"]}
    assert s.delete(auth.url + "/api/delete", json={"model": "stories"}, headers=h, timeout=30).status_code == 403


def test_wrong_password_and_unknown_user_look_the_same(auth):
    _, a = login(auth, "bob", "not-bobs-password")
    _, b = login(auth, "nobody-here", "not-bobs-password")
    assert a.status_code == b.status_code == 401
    assert a.json() == b.json()
    assert "Set-Cookie" not in a.headers


def test_state_changes_with_a_cookie_need_the_csrf_token(auth):
    s, r = login(auth, "bob", "bob-password-1")
    token = r.json()["csrf_token"]
    url = auth.url + "/lokal/api/chats"
    assert s.post(url, json={"title": "x"}, timeout=30).status_code == 403
    assert s.post(url, json={"title": "x"}, headers={"X-Lokal-CSRF": "0" * 64}, timeout=30).status_code == 403
    made = s.post(url, json={"title": "x"}, headers={"X-Lokal-CSRF": token}, timeout=30)
    assert made.status_code == 201, made.text
    # An API key needs no CSRF token: no browser sends it on its own.
    k = {"x-api-key": auth.keys["inference"]}
    assert requests.post(url, json={"title": "y"}, headers=k, timeout=30).status_code == 201


def test_logout_ends_the_session(auth):
    s, r = login(auth, "bob", "bob-password-1")
    token = r.json()["csrf_token"]
    out = s.post(auth.url + "/lokal/api/auth/logout", headers={"X-Lokal-CSRF": token}, timeout=30)
    assert out.status_code == 200 and "Max-Age=0" in out.headers["Set-Cookie"]
    stale = requests.get(auth.url + "/lokal/api/auth/me", cookies={"lokal_session": r.cookies["lokal_session"]},
                         timeout=30)
    assert stale.status_code == 401


def test_chats_belong_to_their_user(auth):
    bob = {"x-api-key": auth.keys["inference"]}
    root = {"x-api-key": auth.keys["admin"]}
    url = auth.url + "/lokal/api/chats"
    made = requests.post(url, json={"title": "bob's secret"}, headers=bob, timeout=30)
    assert made.status_code == 201
    cid = made.json()["id"]
    assert requests.get(f"{url}/{cid}", headers=bob, timeout=30).status_code == 200
    # Another user, admin included, cannot see, change or delete it.
    assert requests.get(f"{url}/{cid}", headers=root, timeout=30).status_code == 404
    assert requests.patch(f"{url}/{cid}", json={"title": "x"}, headers=root, timeout=30).status_code == 404
    assert requests.delete(f"{url}/{cid}", headers=root, timeout=30).status_code == 404
    titles = [c["title"] for c in requests.get(url, headers=root, timeout=30).json()["chats"]]
    assert "bob's secret" not in titles
    exported = requests.get(auth.url + "/lokal/api/export", headers=root, timeout=30).json()
    assert "bob's secret" not in str(exported)
    assert requests.get(f"{url}/{cid}", headers=bob, timeout=30).json()["title"] == "bob's secret"


def test_folders_belong_to_their_user(auth):
    bob = {"x-api-key": auth.keys["inference"]}
    root = {"x-api-key": auth.keys["admin"]}
    url = auth.url + "/lokal/api/chats"
    for who, folder in ((bob, "bob-only"), (bob, "shared-name"), (root, "root-only"), (root, "shared-name"),
                        (root, "shared-name")):
        assert requests.post(url, json={"title": "t", "folder": folder}, headers=who, timeout=30).status_code == 201

    def folders(who):
        r = requests.get(auth.url + "/lokal/api/folders", headers=who, timeout=30)
        assert r.status_code == 200, r.text
        return {f["name"]: f["chats"] for f in r.json()["folders"]}

    assert folders(bob) == {"bob-only": 1, "shared-name": 1}
    assert folders(root) == {"root-only": 1, "shared-name": 2}
    assert requests.get(auth.url + "/lokal/api/folders", timeout=30).status_code == 401
    assert requests.get(auth.url + "/lokal/api/folders", headers={"x-api-key": auth.keys["models"]},
                        timeout=30).status_code == 403


def test_failed_logins_are_rate_limited(auth):
    for _ in range(5):
        _, r = login(auth, "root", "wrong-password")
        assert r.status_code == 401
    _, r = login(auth, "root", ROOT_PASSWORD)  # even the right password waits now
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    _, other = login(auth, "bob", "bob-password-1")  # per name: others are not locked out
    assert other.status_code == 200


def test_per_key_rate_limit(binary, tmp_path):
    srv = LokalServer(binary, tmp_path, {"LOKAL_AUTH": "1", "LOKAL_RATE_LIMIT": "5"})
    srv.home.mkdir(parents=True)
    lokal(srv, "user", "add", "--admin", "root", stdin=ROOT_PASSWORD + "\n")
    a, b = new_key(srv, "root", "inference"), new_key(srv, "root", "inference")
    srv.start()
    try:
        codes = [requests.get(srv.url + "/api/tags", headers={"x-api-key": a}, timeout=30) for _ in range(7)]
        assert [c.status_code for c in codes[:5]] == [200] * 5
        assert codes[5].status_code == 429 and int(codes[5].headers["Retry-After"]) >= 1
        assert requests.get(srv.url + "/api/tags", headers={"x-api-key": b}, timeout=30).status_code == 200
        r = requests.get(srv.url + "/v1/models", headers={"Authorization": "Bearer " + a}, timeout=30)
        assert r.status_code == 429 and r.json()["error"]["type"] == "rate_limit_error"
    finally:
        srv.stop()


def test_me_without_auth_says_so(api):
    r = api.get("/lokal/api/auth/me")
    assert r.status_code == 200 and r.json() == {"auth": False}


def test_account_events_are_audited(auth):
    """User and key changes, logins and logouts each leave one audit line,
    with the user or key they concern and never a password."""
    log = auth.home / ".lokal" / "audit.log"
    seen = len(log.read_text().splitlines())
    h = {"Authorization": "Bearer " + auth.keys["admin"]}
    u = auth.url + "/lokal/api/users"
    assert requests.post(u, json={"name": "erin", "password": "erin-secret-pw"}, headers=h, timeout=30).status_code == 201
    k = requests.post(auth.url + "/lokal/api/keys", json={"user": "erin"}, headers=h, timeout=30)
    assert k.status_code == 201
    assert requests.delete(auth.url + f"/lokal/api/keys/{k.json()['id']}", headers=h, timeout=30).status_code == 200
    assert requests.post(u + "/erin/password", json={"password": "erin-new-secret"}, headers=h,
                         timeout=30).status_code == 200
    assert login(auth, "erin", "wrong-password-9")[1].status_code == 401
    s, r = login(auth, "erin", "erin-new-secret")
    assert r.status_code == 200
    csrf = {"X-Lokal-CSRF": r.json()["csrf_token"]}
    assert s.post(auth.url + "/lokal/api/auth/logout", headers=csrf, timeout=30).status_code == 200
    assert requests.delete(u + "/erin", headers=h, timeout=30).status_code == 200
    text = log.read_text()
    lines = [json.loads(x) for x in text.splitlines()[seen:]]
    got = [(x["action"], x["target"], x["status"]) for x in lines]
    assert got == [("user_add", "erin", 201), ("key_create", "erin", 201), ("key_revoke", f"key {k.json()['id']}", 200),
                   ("user_password", "erin", 200), ("login", "erin", 401), ("login", "erin", 200),
                   ("logout", "erin", 200), ("user_remove", "erin", 200)], got
    assert all(x["principal"] == "root" for x in lines if x["action"] not in ("login", "logout")), lines
    for secret in ("erin-secret-pw", "erin-new-secret", "wrong-password-9", k.json()["key"]):
        assert secret not in text


def test_refusals_and_preflights_carry_cors_headers(auth):
    """A web app on an allowed origin can read why it was refused, and its
    preflight (which never carries credentials) is answered without a key."""
    origin = auth.url  # the server's own origin is always allowed
    r = requests.get(auth.url + "/api/tags", headers={"Origin": origin}, timeout=30)
    assert r.status_code == 401
    assert r.headers.get("Access-Control-Allow-Origin") == origin
    p = requests.options(auth.url + "/api/tags", headers={"Origin": origin, "Access-Control-Request-Method": "GET",
                                                          "Access-Control-Request-Headers": "authorization"},
                         timeout=30)
    assert p.status_code == 204, p.text
    assert p.headers.get("Access-Control-Allow-Origin") == origin
    assert "authorization" in p.headers.get("Access-Control-Allow-Headers", "").lower()
