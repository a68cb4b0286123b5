"""Chats encrypted at rest (LOKAL_ENCRYPT_CHATS=1 with LOKAL_AUTH=1), on a
real server and its real SQLite file: after chats are made, neither SQLite
nor a byte search of the database file and its WAL finds any of their text;
a web sign-in reads them, an API key gets a clear refusal, a password change
keeps them readable, an admin reset must discard them, a restart needs a new
sign-in, and chats stored in plaintext before are sealed at the next sign-in."""

from __future__ import annotations

import json
import sqlite3
import subprocess

import pytest
import requests

from lokal_helpers import HTTP_TIMEOUT, LokalServer
from test_auth import lokal, login  # CLI runner and web sign-in of the auth tests

ENCRYPTED = {"LOKAL_AUTH": "1", "LOKAL_ENCRYPT_CHATS": "1"}
LOCKED = "chats are encrypted: sign in with your password to unlock them"
# Words that appear nowhere but in what the tests store.
SECRETS = ["Zanzibar-title-417", "Quokka-content-993", "Ptarmigan-thinking-21", "Okapi-system-58",
           "Narwhal-folder-77", "Lemur-attachment-64", "Marmot-reply-35"]


def db_path(srv: LokalServer):
    return srv.home / ".lokal" / "lokal.db"


def raw_bytes(srv: LokalServer) -> bytes:
    """The database file and its WAL, as a dump would copy them."""
    out = b""
    for suffix in ("", "-wal", "-shm"):
        p = db_path(srv).with_name("lokal.db" + suffix)
        if p.exists():
            out += p.read_bytes()
    return out


def assert_nothing_readable(srv: LokalServer, words=SECRETS):
    raw = raw_bytes(srv)
    for w in words:
        assert w.encode() not in raw, f"{w} found in the database files"
    with sqlite3.connect(db_path(srv)) as db:
        rows = db.execute("SELECT title, folder, settings FROM chats").fetchall()
        rows += db.execute("SELECT content, thinking, attachments FROM messages").fetchall()
    dumped = json.dumps(rows)
    for w in words:
        assert w not in dumped


def web(srv, name, password):
    s, r = login(srv, name, password)
    assert r.status_code == 200, r.text
    s.headers["X-Lokal-CSRF"] = r.json()["csrf_token"]
    return s


def make_chat(s: requests.Session, url: str, tag: str = "") -> int:
    made = s.post(url + "/lokal/api/chats", json={"title": SECRETS[0] + tag, "folder": SECRETS[4],
                                                  "settings": {"system": SECRETS[3]}}, timeout=HTTP_TIMEOUT)
    assert made.status_code == 201, made.text
    cid = made.json()["id"]
    msgs = {"messages": [
        {"role": "user", "content": SECRETS[1] + tag, "attachments": [{"name": SECRETS[5], "data": "aGVsbG8="}]},
        {"role": "assistant", "content": SECRETS[6], "thinking": SECRETS[2], "model": "stories"},
    ]}
    r = s.post(f"{url}/lokal/api/chats/{cid}/messages", json=msgs, timeout=HTTP_TIMEOUT)
    assert r.status_code == 201, r.text
    return cid


@pytest.fixture(scope="module")
def enc(binary, tmp_path_factory):
    srv = LokalServer(binary, tmp_path_factory.mktemp("encrypt"), ENCRYPTED)
    srv.home.mkdir(parents=True, exist_ok=True)
    lokal(srv, "user", "add", "--admin", "root", stdin="root-password-1\n")
    lokal(srv, "user", "add", "bob", stdin="bob-password-1\n")
    srv.keys = {"root": lokal(srv, "key", "create", "--user", "root", "--scope", "admin").stdout.strip(),
                "bob": lokal(srv, "key", "create", "--user", "bob", "--scope", "inference").stdout.strip()}
    srv.start()
    yield srv
    srv.stop()


def test_encryption_without_auth_refuses_to_start(binary, tmp_path):
    srv = LokalServer(binary, tmp_path, {"LOKAL_ENCRYPT_CHATS": "1"})
    srv.home.mkdir(parents=True)
    p = subprocess.run([str(binary), "serve"], env=srv.env(), capture_output=True, text=True, timeout=30)
    assert p.returncode != 0 and "LOKAL_ENCRYPT_CHATS=1 needs LOKAL_AUTH=1" in p.stderr


def test_stored_chats_are_unreadable_in_the_database_file(enc):
    s = web(enc, "bob", "bob-password-1")
    cid = make_chat(s, enc.url)
    # Edits and renames are sealed too.
    got = s.get(f"{enc.url}/lokal/api/chats/{cid}", timeout=HTTP_TIMEOUT).json()
    mid = got["messages"][1]["id"]
    assert s.patch(f"{enc.url}/lokal/api/chats/{cid}/messages/{mid}", json={"content": SECRETS[6] + " edited"},
                   timeout=HTTP_TIMEOUT).status_code == 200
    assert s.patch(f"{enc.url}/lokal/api/chats/{cid}", json={"title": SECRETS[0] + " renamed"},
                   timeout=HTTP_TIMEOUT).status_code == 200
    assert_nothing_readable(enc)

    # Signed in, everything reads back whole.
    got = s.get(f"{enc.url}/lokal/api/chats/{cid}", timeout=HTTP_TIMEOUT).json()
    assert got["title"] == SECRETS[0] + " renamed" and got["folder"] == SECRETS[4]
    assert got["settings"] == {"system": SECRETS[3]}
    assert [m["content"] for m in got["messages"]] == [SECRETS[1], SECRETS[6] + " edited"]
    assert got["messages"][1]["thinking"] == SECRETS[2]
    assert got["messages"][0]["attachments"][0]["name"] == SECRETS[5]
    # Search over titles and content, and the folder filter, work on the server.
    for q in ("zanzibar", "QUOKKA-content", "edited"):
        listed = s.get(enc.url + "/lokal/api/chats", params={"q": q}, timeout=HTTP_TIMEOUT).json()
        assert [c["id"] for c in listed["chats"]] == [cid], q
    assert s.get(enc.url + "/lokal/api/chats", params={"q": "no-such-word"}, timeout=HTTP_TIMEOUT).json()["total"] == 0
    assert s.get(enc.url + "/lokal/api/chats", params={"folder": SECRETS[4]}, timeout=HTTP_TIMEOUT).json()["total"] == 1
    folders = s.get(enc.url + "/lokal/api/folders", timeout=HTTP_TIMEOUT).json()
    assert folders == {"folders": [{"name": SECRETS[4], "chats": 1}]}


def test_export_and_import_round_trip_sealed(enc):
    s = web(enc, "bob", "bob-password-1")
    make_chat(s, enc.url, "-exported")
    doc = s.get(enc.url + "/lokal/api/export", timeout=HTTP_TIMEOUT).json()
    titles = [c["title"] for c in doc["chats"]]
    assert SECRETS[0] + "-exported" in titles
    r = s.post(enc.url + "/lokal/api/import", json=doc, timeout=HTTP_TIMEOUT)
    assert r.status_code == 201, r.text
    copy = s.get(f"{enc.url}/lokal/api/chats/{r.json()['ids'][-1]}", timeout=HTTP_TIMEOUT).json()
    assert copy["messages"][0]["content"] == SECRETS[1] + "-exported"
    md = s.get(f"{enc.url}/lokal/api/chats/{r.json()['ids'][-1]}/export", params={"format": "markdown"},
               timeout=HTTP_TIMEOUT)
    assert SECRETS[1] in md.text
    assert_nothing_readable(enc)


def test_api_keys_get_a_clear_refusal(enc):
    h = {"Authorization": "Bearer " + enc.keys["bob"]}
    for method, path in (("GET", "/lokal/api/chats"), ("POST", "/lokal/api/chats"), ("GET", "/lokal/api/export"),
                         ("GET", "/lokal/api/folders"),
                         ("GET", "/lokal/api/chats/1")):
        r = requests.request(method, enc.url + path, json={} if method == "POST" else None, headers=h,
                             timeout=HTTP_TIMEOUT)
        assert r.status_code == 403, (path, r.text)
        assert LOCKED in r.json()["error"] and "API keys" in r.json()["error"]
    # Inference with the key is unaffected.
    assert requests.get(enc.url + "/api/tags", headers=h, timeout=HTTP_TIMEOUT).status_code == 200


def test_password_changes_keep_chats_and_a_reset_must_discard_them(enc):
    lokal(enc, "user", "add", "carol", stdin="carol-password-1\n")
    s = web(enc, "carol", "carol-password-1")
    cid = make_chat(s, enc.url, "-carol")
    # Her own change (the current password is required) re-wraps the key.
    r = s.post(enc.url + "/lokal/api/auth/password", json={"password": "carol-password-2"}, timeout=HTTP_TIMEOUT)
    assert r.status_code == 400 and "current_password" in r.json()["error"]
    r = s.post(enc.url + "/lokal/api/auth/password",
               json={"current_password": "wrong-password-0", "password": "carol-password-2"}, timeout=HTTP_TIMEOUT)
    assert r.status_code == 401
    r = s.post(enc.url + "/lokal/api/auth/password",
               json={"current_password": "carol-password-1", "password": "carol-password-2"}, timeout=HTTP_TIMEOUT)
    assert r.status_code == 200, r.text
    # The change ended her sessions, and their keys with them.
    assert s.get(enc.url + "/lokal/api/chats", timeout=HTTP_TIMEOUT).status_code == 401
    s = web(enc, "carol", "carol-password-2")
    assert s.get(f"{enc.url}/lokal/api/chats/{cid}", timeout=HTTP_TIMEOUT).json()["title"] == SECRETS[0] + "-carol"

    # The CLI, on the database next to the running server, with --current.
    lokal(enc, "user", "passwd", "carol", "--current", stdin="carol-password-2\ncarol-password-3\n")
    s = web(enc, "carol", "carol-password-3")
    assert s.get(f"{enc.url}/lokal/api/chats/{cid}", timeout=HTTP_TIMEOUT).json()["messages"][0]["content"] == \
        SECRETS[1] + "-carol"

    # An admin reset cannot recover them: refused, unless they are discarded.
    admin = {"Authorization": "Bearer " + enc.keys["root"]}
    url = enc.url + "/lokal/api/users/carol/password"
    r = requests.post(url, json={"password": "carol-reset-4"}, headers=admin, timeout=HTTP_TIMEOUT)
    assert r.status_code == 409 and "cannot recover them" in r.json()["error"], r.text
    p = lokal(enc, "user", "passwd", "carol", stdin="carol-reset-4\n", check=False)
    assert p.returncode != 0 and "encrypted chats" in p.stderr
    r = requests.post(url, json={"password": "carol-reset-4", "discard_encrypted_chats": True}, headers=admin,
                      timeout=HTTP_TIMEOUT)
    assert r.status_code == 200 and r.json() == {"discarded_chats": 1}, r.text
    s = web(enc, "carol", "carol-reset-4")
    assert s.get(enc.url + "/lokal/api/chats", timeout=HTTP_TIMEOUT).json()["total"] == 0
    make_chat(s, enc.url, "-after-reset")  # a fresh key works from here on
    assert_nothing_readable(enc)


def test_restart_needs_a_new_sign_in(enc):
    s = web(enc, "bob", "bob-password-1")
    before = s.get(enc.url + "/lokal/api/chats", timeout=HTTP_TIMEOUT).json()["total"]
    assert before >= 1
    old_cookie = s.cookies["lokal_session"]
    enc.stop()
    enc.start()
    assert_nothing_readable(enc)
    stale = requests.Session()
    stale.cookies.set("lokal_session", old_cookie)
    # The session outlived the restart, its key did not: sign in again (the UI shows its sign-in on 401).
    me = stale.get(enc.url + "/lokal/api/auth/me", timeout=HTTP_TIMEOUT)
    assert me.status_code == 401 and me.json()["error"] == LOCKED
    r = stale.get(enc.url + "/lokal/api/chats", timeout=HTTP_TIMEOUT)
    assert r.status_code == 401 and r.json()["error"] == LOCKED
    s = web(enc, "bob", "bob-password-1")
    listed = s.get(enc.url + "/lokal/api/chats", timeout=HTTP_TIMEOUT).json()
    assert listed["total"] == before and listed["chats"][0]["title"].startswith(SECRETS[0])
    # Signing out drops the key again.
    assert s.post(enc.url + "/lokal/api/auth/logout", timeout=HTTP_TIMEOUT).status_code == 200


def test_plaintext_chats_are_sealed_at_the_next_sign_in(binary, tmp_path):
    srv = LokalServer(binary, tmp_path, {"LOKAL_AUTH": "1"})
    srv.home.mkdir(parents=True)
    lokal(srv, "user", "add", "--admin", "root", stdin="root-password-1\n")
    lokal(srv, "user", "add", "dave", stdin="dave-password-1\n")
    srv.start()
    try:
        s = web(srv, "dave", "dave-password-1")
        for i in range(3):
            make_chat(s, srv.url, f"-{i}")
        assert SECRETS[1].encode() in raw_bytes(srv)  # plaintext, as before encryption existed
        srv.stop()
        srv.extra_env.update(ENCRYPTED)
        srv.start()
        s = web(srv, "dave", "dave-password-1")
        listed = s.get(srv.url + "/lokal/api/chats", timeout=HTTP_TIMEOUT).json()
        assert listed["total"] == 3
        assert_nothing_readable(srv)
        assert s.get(srv.url + "/lokal/api/chats", params={"q": "content-993-1"}, timeout=HTTP_TIMEOUT).json()["total"] == 1
        events = [json.loads(x) for x in (srv.home / ".lokal" / "audit.log").read_text().splitlines()]
        sealed = [e for e in events if e["action"] == "chats_encrypt"]
        assert [(e["principal"], e["target"]) for e in sealed] == [("dave", "3 chats")]
        assert not any(w in json.dumps(events) for w in SECRETS)
    finally:
        srv.stop()


def test_guessing_the_current_password_is_locked_out_like_sign_ins(enc):
    lokal(enc, "user", "add", "fred", stdin="fred-password-1\n")
    s = web(enc, "fred", "fred-password-1")
    url = enc.url + "/lokal/api/auth/password"
    codes = [s.post(url, json={"current_password": f"guess-{i}-password", "password": "fred-password-2"},
                    timeout=HTTP_TIMEOUT).status_code for i in range(6)]
    assert codes == [401] * 5 + [429], codes
    # The right one is refused too until the lockout passes.
    r = s.post(url, json={"current_password": "fred-password-1", "password": "fred-password-2"}, timeout=HTTP_TIMEOUT)
    assert r.status_code == 429 and "Retry-After" in r.headers
    events = [json.loads(x) for x in (enc.home / ".lokal" / "audit.log").read_text().splitlines()]
    mine = [(e["action"], e["target"], e["status"]) for e in events if e["action"] == "password_change"
            and e["principal"] == "fred"]
    assert mine == [("password_change", "fred", 401)] * 5 + [("password_change", "fred", 429)] * 2, mine
