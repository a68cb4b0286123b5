"""Self-service API keys (/lokal/api/auth/keys, LOKAL_AUTH=1): any signed-in
user, by key or web session, creates, lists and revokes their own keys, never
another user's; a new key holds at most the scopes its maker may grant (a
session: its role's; a key: its own), so a user never gets `admin` and a leaked
inference key cannot mint a models key. The same through `lokal key`; each
change is audited like an admin's."""

from __future__ import annotations

import json

import pytest
import requests

from lokal_helpers import HTTP_TIMEOUT, LokalServer
from test_auth import lokal  # runs the CLI against a server, optionally with a key

OWN = "/lokal/api/auth/keys"


@pytest.fixture(scope="module")
def srv(binary, tmp_path_factory):
    s = LokalServer(binary, tmp_path_factory.mktemp("auth-keys"), {"LOKAL_AUTH": "1"})
    s.home.mkdir(parents=True, exist_ok=True)
    lokal(s, "user", "add", "--admin", "root", stdin="root-password-1\n")
    lokal(s, "user", "add", "bob", stdin="bob-password-1\n")
    lokal(s, "user", "add", "dora", stdin="dora-password-1\n")

    def key(user, scope):
        return lokal(s, "key", "create", "--user", user, "--scope", scope, "--name", "boot").stdout.strip()

    s.keys = {"root": key("root", "admin"), "bob": key("bob", "inference"), "bob-both": key("bob", "inference,models"),
              "dora": key("dora", "inference")}
    s.start()
    yield s
    s.stop()


def as_key(secret: str) -> dict:
    return {"Authorization": "Bearer " + secret}


def post(srv, path, body, headers, session=None):
    return (session or requests).post(srv.url + path, json=body, headers=headers, timeout=HTTP_TIMEOUT)


def works(srv, secret: str, path="/api/tags") -> int:
    return requests.get(srv.url + path, headers=as_key(secret), timeout=HTTP_TIMEOUT).status_code


def test_a_user_key_makes_lists_and_revokes_its_own_keys(srv):
    bob = as_key(srv.keys["bob"])
    r = post(srv, OWN, {"name": "laptop"}, bob)
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["user"] == "bob" and made["name"] == "laptop" and made["scopes"] == ["inference"]
    assert made["key"].startswith("lk-") and made["prefix"] == made["key"][:10]
    assert works(srv, made["key"]) == 200
    listed = requests.get(srv.url + OWN, headers=bob, timeout=HTTP_TIMEOUT).json()["keys"]
    assert {k["user"] for k in listed} == {"bob"}
    assert made["id"] in [k["id"] for k in listed]
    assert all("key" not in k for k in listed)  # the secret is shown once
    gone = requests.delete(srv.url + f"{OWN}/{made['id']}", headers=bob, timeout=HTTP_TIMEOUT)
    assert gone.status_code == 200, gone.text
    assert works(srv, made["key"]) == 401
    again = requests.get(srv.url + OWN, headers=bob, timeout=HTTP_TIMEOUT).json()["keys"]
    assert [k["revoked_at"] for k in again if k["id"] == made["id"]][0] is not None


def test_other_users_keys_are_out_of_reach(srv):
    bob, dora = as_key(srv.keys["bob"]), as_key(srv.keys["dora"])
    doras = post(srv, OWN, {"name": "dora's"}, dora).json()
    # Neither listed nor revocable (404, as for a key that does not exist) ...
    listed = requests.get(srv.url + OWN, headers=bob, timeout=HTTP_TIMEOUT).json()["keys"]
    assert doras["id"] not in [k["id"] for k in listed]
    r = requests.delete(srv.url + f"{OWN}/{doras['id']}", headers=bob, timeout=HTTP_TIMEOUT)
    assert r.status_code == 404 and r.json() == {"error": f"key {doras['id']} not found"}
    assert works(srv, doras["key"]) == 200
    # ... nor made for someone else, nor through the admin routes.
    r = post(srv, OWN, {"user": "dora"}, bob)
    assert r.status_code == 403 and "admin" in r.json()["error"]
    assert post(srv, "/lokal/api/keys", {"user": "bob"}, bob).status_code == 403
    assert requests.get(srv.url + "/lokal/api/keys", headers=bob, timeout=HTTP_TIMEOUT).status_code == 403
    assert requests.delete(srv.url + f"/lokal/api/keys/{doras['id']}", headers=bob,
                           timeout=HTTP_TIMEOUT).status_code == 403
    assert post(srv, OWN, {"user": "bob", "name": "self by name"}, bob).status_code == 201


@pytest.mark.parametrize("maker, scopes, want", [
    ("bob", ["inference"], 201),
    ("bob", ["models"], 403),            # wider than the key making it
    ("bob", ["admin"], 403),
    ("bob-both", ["inference", "models"], 201),
    ("bob-both", ["models"], 201),
    ("bob-both", ["admin"], 403),        # a user never gets admin
    ("bob-both", "inference,models,admin", 403),
    ("root", ["admin"], 201),            # an admin's own key may be an admin key
    ("bob", ["nonsense"], 400),
    ("bob", [], 400),
])
def test_a_new_key_holds_at_most_what_its_maker_may_grant(srv, maker, scopes, want):
    r = post(srv, OWN, {"name": "scoped", "scopes": scopes}, as_key(srv.keys[maker]))
    assert r.status_code == want, r.text
    if want == 403:
        assert r.json()["error"].startswith("forbidden: a key of yours can hold at most the scopes")
    if want == 201:
        held = r.json()["scopes"]
        assert held == ([scopes] if isinstance(scopes, str) else scopes) or sorted(held) == sorted(scopes)
        # Exactly those scopes: a models key can create, an inference key cannot.
        create = requests.post(srv.url + "/api/copy", json={"source": "none", "destination": "x"},
                               headers=as_key(r.json()["key"]), timeout=HTTP_TIMEOUT).status_code
        assert (create == 403) == ("models" not in held and "admin" not in held), create


def test_a_web_session_grants_its_roles_scopes(srv):
    s = requests.Session()
    login = s.post(srv.url + "/lokal/api/auth/login", json={"name": "bob", "password": "bob-password-1"},
                   timeout=HTTP_TIMEOUT)
    assert login.status_code == 200, login.text
    csrf = {"X-Lokal-CSRF": login.json()["csrf_token"]}
    # A cookie alone cannot make a key: a page on another site could send it.
    assert post(srv, OWN, {"name": "web"}, {}, s).status_code == 403
    r = post(srv, OWN, {"name": "web", "scopes": ["inference", "models"]}, csrf, s)
    assert r.status_code == 201, r.text  # a user's role allows models keys
    assert r.json()["user"] == "bob"
    assert post(srv, OWN, {"name": "web", "scopes": ["admin"]}, csrf, s).status_code == 403
    assert r.json()["id"] in [k["id"] for k in s.get(srv.url + OWN, timeout=HTTP_TIMEOUT).json()["keys"]]
    assert s.delete(srv.url + f"{OWN}/{r.json()['id']}", headers=csrf, timeout=HTTP_TIMEOUT).status_code == 200


def test_admins_still_manage_everyones_keys(srv):
    root = as_key(srv.keys["root"])
    doras = post(srv, OWN, {"name": "to be revoked by root"}, as_key(srv.keys["dora"])).json()
    every = requests.get(srv.url + "/lokal/api/keys", headers=root, timeout=HTTP_TIMEOUT).json()["keys"]
    assert {"root", "bob", "dora"} <= {k["user"] for k in every}
    # An admin's own listing is their own keys only.
    own = requests.get(srv.url + OWN, headers=root, timeout=HTTP_TIMEOUT).json()["keys"]
    assert {k["user"] for k in own} == {"root"}
    assert requests.delete(srv.url + f"/lokal/api/keys/{doras['id']}", headers=root,
                           timeout=HTTP_TIMEOUT).status_code == 200
    assert works(srv, doras["key"]) == 401


def test_self_service_changes_are_audited(srv):
    log = srv.home / ".lokal" / "audit.log"
    seen = len(log.read_text().splitlines())
    bob = as_key(srv.keys["bob"])
    made = post(srv, OWN, {"name": "audited"}, bob).json()
    assert post(srv, OWN, {"scopes": ["admin"]}, bob).status_code == 403
    assert requests.delete(srv.url + f"{OWN}/{made['id']}", headers=bob, timeout=HTTP_TIMEOUT).status_code == 200
    text = log.read_text()
    lines = [json.loads(x) for x in text.splitlines()[seen:]]
    got = [(x["principal"], x["action"], x["target"], x["status"]) for x in lines]
    assert got == [("bob", "key_create", "bob", 201), ("bob", "key_create", "bob", 403),
                   ("bob", "key_revoke", f"key {made['id']}", 200)], got
    assert made["key"] not in text


def test_cli_key_commands_for_a_user(srv):
    bob = srv.keys["bob-both"]
    made = lokal(srv, "key", "create", "--name", "cli", "--scope", "models", key=bob).stdout.strip()
    assert made.startswith("lk-")
    assert works(srv, made, "/api/tags") == 403  # models only
    rows = lokal(srv, "key", "list", key=bob).stdout.splitlines()
    assert rows[0].split()[:2] == ["ID", "USER"]
    assert {r.split()[1] for r in rows[1:]} == {"bob"}
    key_id = [r.split()[0] for r in rows[1:] if r.split()[3] == made[:10]][0]
    lokal(srv, "key", "revoke", key_id, key=bob)
    assert works(srv, made) == 401
    # Beyond the key's own scopes, or someone else's key: refused with the reason.
    p = lokal(srv, "key", "create", "--scope", "admin", key=bob, check=False)
    assert p.returncode != 0 and "at most the scopes inference,models" in p.stderr, p.stderr
    roots = requests.get(srv.url + OWN, headers=as_key(srv.keys["root"]), timeout=HTTP_TIMEOUT).json()["keys"]
    p = lokal(srv, "key", "revoke", str(roots[0]["id"]), key=bob, check=False)
    assert p.returncode != 0 and "not found" in p.stderr, p.stderr
    assert works(srv, srv.keys["root"]) == 200
    # An admin's `lokal key list` still shows everyone's keys.
    rows = lokal(srv, "key", "list", key=srv.keys["root"]).stdout.splitlines()
    assert {"root", "bob", "dora"} <= {r.split()[1] for r in rows[1:]}
