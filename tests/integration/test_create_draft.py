"""DRAFT: a small model with the same vocabulary stored with a model for
speculative decoding, as Ollama stores it (a layer of media type
application/vnd.ollama.image.draft), from an uploaded GGUF or an existing
model, through the API and through a Modelfile."""

import json
import shutil
import subprocess

from lokal_helpers import STORIES_GGUF, TINY_GGUF, client_env, error_of

DRAFT_MT = "application/vnd.ollama.image.draft"


def manifest(server, name):
    path = server.models_dir / "manifests" / "registry.ollama.ai" / "library" / name / "latest"
    return json.loads(path.read_text())


def drafts(server, name):
    return [l for l in manifest(server, name)["layers"] if l["mediaType"] == DRAFT_MT]


def test_draft_from_an_uploaded_file(api, server, stories_digest):
    r = api.post("/api/create", {"model": "stories-drafted", "files": {"stories260K.gguf": stories_digest},
                                 "draft": {"draft.gguf": stories_digest}, "stream": False})
    assert r.status_code == 200, r.text
    (d,) = drafts(server, "stories-drafted")
    assert d["digest"] == stories_digest and d["from"] == "draft.gguf"
    blob = str(server.models_dir / "blobs" / stories_digest.replace(":", "-"))
    assert f"DRAFT {blob}\n" in api.show("stories-drafted")["modelfile"]
    out = api.generate(model="stories-drafted", prompt="Once", options={"num_predict": 4, "temperature": 0})
    assert out["eval_count"] == 4


def test_draft_from_an_existing_model_and_replaced(api, server, stories, stories_digest):
    r = api.post("/api/create", {"model": "stories-drafted2", "from": stories, "draft": stories, "stream": False})
    assert r.status_code == 200, r.text
    (d,) = drafts(server, "stories-drafted2")
    assert d["digest"] == stories_digest  # the existing model's weights, not a copy
    assert d["from"] in (stories, stories + ":latest"), d
    # a model made from it keeps its draft, or takes a new one instead of adding a second
    r = api.post("/api/create", {"model": "stories-drafted3", "from": "stories-drafted2", "stream": False})
    assert r.status_code == 200 and len(drafts(server, "stories-drafted3")) == 1


def test_draft_with_another_vocabulary_is_refused(api, stories_digest, tiny_digest):
    r = api.post("/api/create", {"model": "bad-draft", "files": {"stories260K.gguf": stories_digest},
                                 "draft": {"tiny.gguf": tiny_digest}, "stream": False})
    assert r.status_code == 400
    assert error_of(r) == ('draft "tiny.gguf" has a vocabulary of 32000 tokens, the model one of 512: '
                           "a draft model must share the model's vocabulary")
    r = api.post("/api/create", {"model": "bad-draft", "files": {"stories260K.gguf": stories_digest},
                                 "draft": "no-such-model", "stream": False})
    assert r.status_code == 404
    r = api.post("/api/create", {"model": "bad-draft", "files": {"stories260K.gguf": stories_digest},
                                 "draft": 7, "stream": False})
    assert r.status_code == 400


def test_modelfile_draft_path(binary, server, api, tmp_path):
    shutil.copy(STORIES_GGUF, tmp_path / "model.gguf")
    shutil.copy(STORIES_GGUF, tmp_path / "small.gguf")
    (tmp_path / "Modelfile").write_text("FROM ./model.gguf\nDRAFT ./small.gguf\n")
    r = subprocess.run([str(binary), "create", "mf-drafted", "-f", str(tmp_path / "Modelfile")],
                       env=client_env(server.host, server.home), capture_output=True, text=True, timeout=300,
                       stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stderr
    (d,) = drafts(server, "mf-drafted")
    assert d["from"] == "small.gguf"
    show = subprocess.run([str(binary), "show", "mf-drafted", "--modelfile"], env=client_env(server.host, server.home),
                          capture_output=True, text=True, timeout=60)
    assert "\nDRAFT " in show.stdout, show.stdout
    # a name that is no file is a model name; a missing model is the server's 404
    (tmp_path / "Modelfile").write_text("FROM ./model.gguf\nDRAFT nothing-by-this-name\n")
    r = subprocess.run([str(binary), "create", "mf-drafted2", "-f", str(tmp_path / "Modelfile")],
                       env=client_env(server.host, server.home), capture_output=True, text=True, timeout=300,
                       stdin=subprocess.DEVNULL)
    assert r.returncode != 0 and "not found" in r.stderr, r.stderr
