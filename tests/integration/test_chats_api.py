"""The web UI's conversation store: /lokal/api/chats..., /lokal/api/export and
/lokal/api/import against a real server and its real SQLite file."""

from __future__ import annotations

import json

import pytest

BASE = "/lokal/api/chats"


def patch(api, path, body):
    return api.s.patch(api.base + path, json=body, timeout=30)


def new_chat(api, **body) -> dict:
    r = api.post(BASE, body)
    assert r.status_code == 201, r.text
    return r.json()


def add(api, chat_id, body):
    r = api.post(f"{BASE}/{chat_id}/messages", body)
    assert r.status_code == 201, r.text
    return r.json()


def test_create_get_rename_pin_move_delete(api):
    c = new_chat(api, title="Plan a trip", settings={"system": "be brief", "model": "stories"})
    assert c["title"] == "Plan a trip" and c["pinned"] is False and c["folder"] == ""
    assert c["created_at"] > 1_600_000_000_000  # milliseconds

    got = api.get(f"{BASE}/{c['id']}").json()
    assert got["settings"] == {"system": "be brief", "model": "stories"}
    assert got["messages"] == [] and got["current_message_id"] is None

    r = patch(api, f"{BASE}/{c['id']}", {"title": "Trip", "pinned": True, "folder": "travel"})
    assert r.status_code == 200, r.text
    assert (r.json()["title"], r.json()["pinned"], r.json()["folder"]) == ("Trip", True, "travel")
    listed = api.get(BASE, params={"folder": "travel"}).json()
    assert [x["id"] for x in listed["chats"]] == [c["id"]]

    r = api.delete(f"{BASE}/{c['id']}")
    assert r.status_code == 200 and r.json() == {}
    assert api.get(f"{BASE}/{c['id']}").status_code == 404
    assert api.delete(f"{BASE}/{c['id']}").json() == {"error": "chat not found"}


def test_folders_lists_every_folder_with_its_chat_count(api):
    # More chats than one page of the list: the folder filter must not depend on what was loaded.
    made = [new_chat(api, title=f"f{i}", folder=["zeta-f", "Alpha-f", "beta-f"][i % 3]) for i in range(7)]
    made.append(new_chat(api, title="no folder"))
    r = api.get("/lokal/api/folders")
    assert r.status_code == 200, r.text
    got = r.json()["folders"]
    assert all(set(f) == {"name", "chats"} and f["name"] for f in got)
    names = [f["name"] for f in got]
    assert names == sorted(names, key=lambda n: (n.lower(), n))
    mine = {f["name"]: f["chats"] for f in got if f["name"].endswith("-f")}
    assert mine == {"zeta-f": 3, "Alpha-f": 2, "beta-f": 2}
    assert [n for n in names if n.endswith("-f")] == ["Alpha-f", "beta-f", "zeta-f"]
    # A folder goes away with its last chat; moving a chat moves its count.
    patch(api, f"{BASE}/{made[1]['id']}", {"folder": "beta-f"})
    patch(api, f"{BASE}/{made[4]['id']}", {"folder": ""})
    for c in made:
        if c["id"] not in (made[1]["id"], made[4]["id"]):
            api.delete(f"{BASE}/{c['id']}")
    after = {f["name"]: f["chats"] for f in api.get("/lokal/api/folders").json()["folders"]}
    assert {k: v for k, v in after.items() if k.endswith("-f")} == {"beta-f": 1}
    for c in (made[1], made[4]):
        api.delete(f"{BASE}/{c['id']}")


def test_message_tree_branches_and_streaming_updates(api):
    c = new_chat(api, title="tree")
    batch = add(api, c["id"], {"messages": [{"role": "user", "content": "hi"},
                                            {"role": "assistant", "content": "", "status": "streaming",
                                             "model": "stories"}]})["messages"]
    q, a1 = batch
    assert a1["parent_id"] == q["id"]
    # The UI saves the answer while it streams, then finishes it with stats.
    r = patch(api, f"{BASE}/{c['id']}/messages/{a1['id']}", {"content": "Hel"})
    assert r.status_code == 200 and r.json()["status"] == "streaming"
    r = patch(api, f"{BASE}/{c['id']}/messages/{a1['id']}",
              {"content": "Hello", "status": "done", "stats": {"eval_count": 2, "eval_duration": 10}})
    assert r.json()["content"] == "Hello" and r.json()["stats"]["eval_count"] == 2

    a2 = add(api, c["id"], {"role": "assistant", "content": "Other", "parent_id": q["id"], "thinking": "t"})
    assert a2["parent_id"] == q["id"] and a2["thinking"] == "t"
    got = api.get(f"{BASE}/{c['id']}").json()
    assert got["current_message_id"] == a2["id"]
    assert [m["id"] for m in got["messages"]] == [q["id"], a1["id"], a2["id"]]

    r = patch(api, f"{BASE}/{c['id']}", {"current_message_id": a1["id"]})
    assert r.status_code == 200
    md = api.get(f"{BASE}/{c['id']}/export", params={"format": "markdown"})
    assert md.headers["Content-Type"].startswith("text/markdown")
    assert "attachment" in md.headers["Content-Disposition"]
    assert "Hello" in md.text and "Other" not in md.text


def test_search_in_titles_and_content_with_pages(api):
    marker = "quokka-7f3"
    by_title = new_chat(api, title=f"About {marker}")
    by_body = new_chat(api, title="unrelated")
    add(api, by_body["id"], {"role": "user", "content": f"tell me of the {marker.upper()}"})
    r = api.get(BASE, params={"q": marker})
    assert r.status_code == 200
    found = r.json()
    assert found["total"] == 2
    assert {x["id"] for x in found["chats"]} == {by_title["id"], by_body["id"]}
    page = api.get(BASE, params={"q": marker, "limit": 1, "offset": 1}).json()
    assert page["total"] == 2 and len(page["chats"]) == 1
    assert api.get(BASE, params={"q": "%"}).json()["total"] == 0  # literal, not a wildcard


def test_export_import_round_trip(api):
    c = new_chat(api, title="export me", settings={"options": {"temperature": 0.2}})
    msgs = add(api, c["id"], {"messages": [
        {"role": "user", "content": "q", "attachments": [{"type": "text", "name": "a.txt", "content": "x"}]},
        {"role": "assistant", "content": "**a**", "stats": {"eval_count": 3}}]})["messages"]
    one = api.get(f"{BASE}/{c['id']}/export")
    assert one.status_code == 200 and one.json()["lokal_chats"] == 1
    assert 'filename="export-me.json"' in one.headers["Content-Disposition"]

    r = api.post("/lokal/api/import", one.json())
    assert r.status_code == 201, r.text
    (new_id,) = r.json()["ids"]
    a, b = api.get(f"{BASE}/{c['id']}").json(), api.get(f"{BASE}/{new_id}").json()
    assert b["messages"][1]["parent_id"] == b["messages"][0]["id"]
    assert b["current_message_id"] == b["messages"][1]["id"]
    for key in ("title", "settings", "created_at", "updated_at", "pinned", "folder"):
        assert a[key] == b[key]
    for ma, mb in zip(a["messages"], b["messages"]):
        assert {k: v for k, v in ma.items() if k not in ("id", "parent_id")} == \
               {k: v for k, v in mb.items() if k not in ("id", "parent_id")}
    assert msgs[0]["attachments"] == b["messages"][0]["attachments"]

    everything = api.get("/lokal/api/export")
    assert everything.status_code == 200
    ids = {x["id"] for x in everything.json()["chats"]}
    assert {c["id"], new_id} <= ids


@pytest.mark.parametrize("method,path,body,status,fragment", [
    ("GET", BASE + "/abc", None, 400, "invalid id"),
    ("GET", BASE + "/0", None, 400, "invalid id"),
    ("GET", BASE + "/999999", None, 404, "chat not found"),
    ("GET", BASE + "?limit=0", None, 400, "limit"),
    ("GET", BASE + "?limit=x", None, 400, "limit must be an integer"),
    ("GET", BASE + "?offset=-1", None, 400, "offset"),
    ("POST", BASE, "[1]", 400, "JSON object"),
    ("POST", BASE, "{bad", 400, "invalid JSON"),
    ("POST", BASE, {"title": 5}, 400, "title must be a string"),
    ("POST", BASE, {"settings": []}, 400, "settings must be an object"),
    ("POST", BASE, {"title": "x" * 1001}, 400, "title too long"),
    ("POST", BASE, {"messages": [{"role": "user"}]}, 400, "use import"),
    ("PATCH", BASE + "/999999", {"title": "x"}, 404, "chat not found"),
    ("DELETE", BASE + "/999999", None, 404, "chat not found"),
    ("POST", BASE + "/999999/messages", {"role": "user"}, 404, "chat not found"),
    ("POST", "/lokal/api/import", {"chats": []}, 400, "not a lokal chat export"),
    ("POST", "/lokal/api/import", {"lokal_chats": 9, "chats": []}, 400, "unsupported export version"),
    ("POST", "/lokal/api/import", {"lokal_chats": 1, "chats": [{"messages": [{"id": 1, "parent_id": 2,
                                                                              "role": "user"}]}]}, 400, "parent"),
])
def test_errors(api, method, path, body, status, fragment):
    kw = ({"data": body, "headers": {"Content-Type": "application/json"}} if isinstance(body, str)
          else ({"json": body} if body is not None else {}))
    r = api.s.request(method, api.base + path, timeout=30, **kw)
    assert r.status_code == status, r.text
    assert fragment in r.json()["error"]


def test_message_errors(api):
    c = new_chat(api, title="errors")
    other = new_chat(api, title="other")
    m = add(api, other["id"], {"role": "user", "content": "x"})
    base = f"{BASE}/{c['id']}/messages"
    cases = [
        ({"role": "wizard"}, 400, "invalid role"),
        ({"content": "no role"}, 400, "needs a role"),
        ({"role": "user", "status": "maybe"}, 400, "invalid status"),
        ({"role": "user", "parent_id": m["id"]}, 400, "not a message of this chat"),
        ({"role": "user", "stats": []}, 400, "stats must be an object"),
        ({"messages": {}}, 400, "messages must be an array"),
        ({"messages": []}, 400, "no messages"),
    ]
    for body, status, fragment in cases:
        r = api.post(base, body)
        assert r.status_code == status, (body, r.text)
        assert fragment in r.json()["error"], (body, r.text)
    assert api.get(f"{BASE}/{c['id']}").json()["messages"] == []  # nothing half-stored
    r = patch(api, f"{BASE}/{c['id']}/messages/{m['id']}", {"content": "x"})
    assert r.status_code == 404  # the message belongs to another chat
    r = patch(api, f"{BASE}/{other['id']}/messages/{m['id']}", {"status": "nope"})
    assert r.status_code == 400
    r = patch(api, f"{BASE}/{c['id']}", {"current_message_id": m["id"]})
    assert r.status_code == 400 and "not a message of this chat" in r.json()["error"]
    r = api.get(f"{BASE}/{c['id']}/export", params={"format": "pdf"})
    assert r.status_code == 400


@pytest.mark.parametrize("ctype", [None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data"])
def test_writes_need_a_json_content_type(api, ctype):
    # What a page on another site can send without a CORS preflight is refused.
    headers = {"Content-Type": ctype} if ctype else {}
    for path in (BASE, "/lokal/api/import"):
        r = api.s.post(api.base + path, data='{"title": "x"}', headers=headers, timeout=30)
        assert r.status_code == 400, r.text
        assert r.json() == {"error": "Content-Type must be application/json"}
    before = api.get(BASE).json()["total"]
    assert api.post(BASE, {"title": "fine"}).status_code == 201
    assert api.get(BASE).json()["total"] == before + 1


def test_chats_survive_a_restart(fresh_server):
    import requests
    r = requests.post(fresh_server.url + BASE, json={"title": "durable"}, timeout=30)
    cid = r.json()["id"]
    requests.post(f"{fresh_server.url}{BASE}/{cid}/messages", json={"role": "user", "content": "still here"},
                  timeout=30)
    fresh_server.stop()
    db = fresh_server.home / ".lokal" / "lokal.db"
    assert db.is_file()
    fresh_server.start()
    got = requests.get(f"{fresh_server.url}{BASE}/{cid}", timeout=30).json()
    assert got["title"] == "durable" and got["messages"][0]["content"] == "still here"


def test_unusable_data_dir_is_a_clear_startup_error(binary, tmp_path):
    import subprocess
    from lokal_helpers import client_env
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    env = client_env("127.0.0.1:0", tmp_path)
    env["LOKAL_MODELS"] = str(tmp_path / "models")
    env["LOKAL_DATA"] = str(blocker / "sub")
    p = subprocess.run([str(binary), "serve"], env=env, capture_output=True, text=True, timeout=30)
    assert p.returncode == 1
    assert "Error:" in p.stderr and "sub" in p.stderr
