"""The audit log ($LOKAL_DATA/audit.log, or LOKAL_AUDIT_LOG): exactly one
well-formed JSON line per model-management request (pull, push, create, copy,
delete, blob upload) and per refused request, written before the answer;
never a prompt or an answer; rotation by renaming; an unwritable log fails
the request instead of letting it pass unrecorded."""

from __future__ import annotations

import datetime as dt
import json
import socket
from pathlib import Path

import pytest

from lokal_helpers import STORIES_GGUF, Api, LokalServer, sha256_file
from registry_fixture import registry  # noqa: F401  (fixture)

FIELDS = ["time", "principal", "source", "action", "target", "status", "error"]


class Audit:
    def __init__(self, path: Path):
        self.path = path
        self.seen = 0

    def lines(self) -> list[dict]:
        if not self.path.exists():
            return []
        out = []
        for raw in self.path.read_text().splitlines():
            j = json.loads(raw)  # every line must be JSON
            assert list(j) == FIELDS, raw
            dt.datetime.strptime(j["time"], "%Y-%m-%dT%H:%M:%S.%fZ")
            assert j["principal"] is None  # authentication is off
            assert isinstance(j["status"], int)
            out.append(j)
        return out

    def new(self) -> list[dict]:
        """Lines written since the last call."""
        all_lines = self.lines()
        fresh = all_lines[self.seen:]
        self.seen = len(all_lines)
        return fresh


@pytest.fixture(scope="module")
def audited(binary, tmp_path_factory):
    work = tmp_path_factory.mktemp("audit")
    log = work / "logs" / "audit.log"
    log.parent.mkdir()
    srv = LokalServer(binary, work, {"LOKAL_AUDIT_LOG": str(log)})
    srv.start()
    api = Api(srv.url)
    digest = api.push_blob(STORIES_GGUF)
    api.create("base", files={"stories260K.gguf": digest})
    audit = Audit(log)
    audit.new()
    yield srv, api, audit, digest
    srv.stop()


def only(lines: list[dict], action: str, status: int, target: str | None = None) -> dict:
    assert len(lines) == 1, lines
    line = lines[0]
    assert line["action"] == action and line["status"] == status, line
    assert line["source"] == "127.0.0.1"
    if target is not None:
        assert line["target"] == target, line
    return line


def test_default_location_is_the_data_dir(fresh_server):
    Api(fresh_server.url).push_blob(STORIES_GGUF)
    lines = Audit(fresh_server.home / ".lokal" / "audit.log").lines()
    assert [l["action"] for l in lines] == ["blob_upload"]
    assert (fresh_server.home / ".lokal" / "audit.log").stat().st_mode & 0o777 == 0o600


def test_blob_uploads(audited):
    srv, api, audit, digest = audited
    data = b"audit blob bytes"
    import hashlib
    d = "sha256:" + hashlib.sha256(data).hexdigest()
    assert api.post(f"/api/blobs/{d}", data=data).status_code == 201
    only(audit.new(), "blob_upload", 201, d)
    assert api.post(f"/api/blobs/{d}", data=data).status_code == 200  # already there
    only(audit.new(), "blob_upload", 200, d)
    bad = "sha256:" + "0" * 64
    r = api.post(f"/api/blobs/{bad}", data=data)
    assert r.status_code == 400
    line = only(audit.new(), "blob_upload", 400, bad)
    assert "digest mismatch" in line["error"]


def test_create_copy_delete(audited):
    srv, api, audit, digest = audited
    r, items = api.stream("/api/create", {"model": "streamed", "files": {"m.gguf": digest}})
    assert items[-1] == {"status": "success"}
    only(audit.new(), "create", 200, "streamed")
    api.create("unstreamed", files={"m.gguf": digest})
    only(audit.new(), "create", 200, "unstreamed")
    assert api.post("/api/copy", {"source": "streamed", "destination": "copied"}).status_code == 200
    only(audit.new(), "copy", 200, "streamed -> copied")
    for name in ("copied", "unstreamed", "streamed"):
        assert api.delete("/api/delete", {"model": name}).status_code == 200
        only(audit.new(), "delete", 200, name)
    r = api.delete("/api/delete", {"model": "streamed"})
    assert r.status_code == 404
    line = only(audit.new(), "delete", 404, "streamed")
    assert line["error"] == "model 'streamed' not found"


def test_failures_are_recorded_with_their_reason(audited):
    srv, api, audit, digest = audited
    r = api.post("/api/create", {"model": "x", "files": {"m.gguf": "sha256:" + "1" * 64}, "stream": False})
    assert r.status_code >= 400
    line = only(audit.new(), "create", r.status_code, "x")
    assert line["error"]
    r = api.post("/api/copy", {"source": "absent", "destination": "y"})
    assert r.status_code == 404
    only(audit.new(), "copy", 404, "absent -> y")
    r = api.post("/api/copy", data="not json")
    assert r.status_code == 400
    assert only(audit.new(), "copy", 400)["target"] is None


def test_inference_and_reads_are_not_recorded_and_no_prompt_ever_is(audited):
    srv, api, audit, digest = audited
    secret = "zebra-confidential-7781"
    out = api.generate(model="base", prompt=secret, options={"num_predict": 4, "temperature": 0})
    api.chat(model="base", messages=[{"role": "user", "content": secret}], options={"num_predict": 4})
    api.show("base")
    api.tags()
    assert audit.new() == []
    r = api.post("/api/create", {"model": "with-system", "from": "base", "system": secret, "stream": False})
    assert r.status_code == 200
    only(audit.new(), "create", 200, "with-system")
    text = audit.path.read_text()
    assert secret not in text
    assert out["response"] == "" or out["response"] not in text


def test_refused_requests_are_recorded(audited):
    srv, api, audit, digest = audited
    r = api.get("/api/tags", headers={"Host": "evil.example"})
    assert r.status_code == 403
    line = only(audit.new(), "denied", 403, "GET /api/tags")
    assert "evil.example" in line["error"]
    r = api.post("/api/delete", data="model=base", headers={"Content-Type": "application/x-www-form-urlencoded",
                                                            "Origin": f"http://{srv.host}"})
    assert r.status_code == 415
    only(audit.new(), "denied", 415, "POST /api/delete")
    assert api.show("base")  # nothing happened to the model


def test_pull_and_push(audited, registry):  # noqa: F811
    srv, api, audit, digest = audited
    name = f"{registry.host}/library/audited:latest"
    assert api.post("/api/copy", {"source": "base", "destination": name}).status_code == 200
    audit.new()
    r, items = api.stream("/api/push", {"model": name, "insecure": True})
    assert items[-1] == {"status": "success"}, items[-3:]
    only(audit.new(), "push", 200, name)
    assert api.delete("/api/delete", {"model": name}).status_code == 200
    audit.new()
    r, items = api.stream("/api/pull", {"model": name, "insecure": True})
    assert items[-1] == {"status": "success"}
    only(audit.new(), "pull", 200, name)
    r = api.post("/api/pull", {"model": f"{registry.host}/library/absent:latest", "insecure": True, "stream": False})
    assert r.status_code == 404
    only(audit.new(), "pull", 404)


def test_rotation_by_renaming(audited):
    srv, api, audit, digest = audited
    rotated = audit.path.with_name("audit.log.1")
    audit.path.rename(rotated)
    assert api.post("/api/copy", {"source": "base", "destination": "rot"}).status_code == 200
    lines = Audit(audit.path).lines()
    assert [l["action"] for l in lines] == ["copy"]
    assert rotated.stat().st_size > 0
    audit.seen = 1
    assert api.delete("/api/delete", {"model": "rot"}).status_code == 200
    only(audit.new(), "delete", 200, "rot")


def test_an_unwritable_log_fails_management_requests(audited):
    """The log's folder disappears (a full or lost volume behaves alike):
    the copy is answered 500 naming the audit log, not 200 unrecorded."""
    srv, api, audit, digest = audited
    folder = audit.path.parent
    moved = folder.with_name("logs-away")
    folder.rename(moved)
    try:
        r = api.post("/api/copy", {"source": "base", "destination": "unaudited"})
        assert r.status_code == 500
        assert "audit log" in r.json()["error"]
        r, items = api.stream("/api/create", {"model": "unaudited2", "from": "base"})
        assert "audit log" in items[-1].get("error", ""), items
        assert "audit log" in srv.log_path.read_text()
    finally:
        moved.rename(folder)
    assert api.delete("/api/delete", {"model": "unaudited"}).status_code == 200
    assert api.get("/api/version").status_code == 200
