"""Creating models from GGUF files beyond a single model file: split GGUFs
(llama.cpp's gguf-split layout, merged into one model layer), directories
of GGUFs with a projector, and LoRA adapters applied at load."""

import json
import random
import shutil
import subprocess

import pytest

from gguf_write import make_lora, split_gguf
from lokal_helpers import MMPROJ_GGUF, STORIES_GGUF, Api, client_env, error_of, find_model

MODEL_MT = "application/vnd.ollama.image.model"
ADAPTER_MT = "application/vnd.ollama.image.adapter"
GREEDY = {"temperature": 0, "seed": 1, "num_predict": 24}


def manifest(server, name):
    path = server.models_dir / "manifests" / "registry.ollama.ai" / "library" / name / "latest"
    return json.loads(path.read_text())


def cli(binary, server, *args, cwd=None):
    r = subprocess.run([str(binary), *args], env=client_env(server.host, server.home), capture_output=True,
                       text=True, timeout=300, cwd=cwd or server.workdir, stdin=subprocess.DEVNULL)
    return r


@pytest.fixture(scope="module")
def parts(tmp_path_factory):
    d = tmp_path_factory.mktemp("split")
    return split_gguf(STORIES_GGUF, str(d / "stories"), 3)


@pytest.fixture(scope="module")
def lora(tmp_path_factory):
    return make_lora(STORIES_GGUF, str(tmp_path_factory.mktemp("lora") / "stories-lora.gguf"))


def text_of(api, model):
    return api.generate(model=model, prompt="Once upon a time", options=GREEDY)["response"]


def test_split_parts_become_one_model_layer(api, server, stories, parts):
    digests = {f"part{i}.gguf": api.push_blob(p) for i, p in enumerate(parts)}
    files = dict(random.Random(3).sample(sorted(digests.items()), len(digests)))  # any order
    r, items = api.stream("/api/create", {"model": "stories-split", "files": files})
    assert r.status_code == 200 and items[-1] == {"status": "success"}, items
    assert {"status": "merging 3 split GGUF files"} in items, items
    m = manifest(server, "stories-split")
    models = [l for l in m["layers"] if l["mediaType"] == MODEL_MT]
    assert len(models) == 1, m
    assert models[0]["from"] == "part0.gguf"
    merged = server.models_dir / "blobs" / models[0]["digest"].replace(":", "-")
    assert merged.stat().st_size == models[0]["size"]
    # the parts were consumed; the merged model is the original one
    for d in digests.values():
        assert api.head(f"/api/blobs/{d}").status_code == 404
    base, split = api.show(stories), api.show("stories-split")
    assert split["model_info"] == base["model_info"]
    assert {**split["details"], "parent_model": ""} == {**base["details"], "parent_model": ""}
    assert text_of(api, "stories-split") == text_of(api, stories)
    api.delete("/api/delete", {"model": "stories-split"})


def test_incomplete_split_is_refused(api, parts):
    files = {"a.gguf": api.push_blob(parts[0]), "c.gguf": api.push_blob(parts[2])}
    r = api.post("/api/create", {"model": "stories-half", "files": files})
    assert r.status_code == 400, r.text
    assert error_of(r) == "the split GGUF model has 3 parts, but 2 were given"
    assert find_model(api.tags(), "stories-half") is None


def test_cli_from_directory_with_split_and_projector(binary, server, api, parts, tmp_path):
    d = tmp_path / "weights"
    d.mkdir()
    for p in parts:
        shutil.copy(p, d / p.rsplit("/", 1)[-1])  # copies: symlinks out of the folder count as missing
    shutil.copy(MMPROJ_GGUF, d / "mmproj.gguf")
    (d / "README.txt").write_text("not a model")
    (tmp_path / "Modelfile").write_text("FROM ./weights\nPARAMETER temperature 0\n")
    r = cli(binary, server, "create", "stories-dir", "-f", str(tmp_path / "Modelfile"))
    assert r.returncode == 0, r.stderr
    m = manifest(server, "stories-dir")
    kinds = sorted(l["mediaType"].rsplit(".", 1)[-1] for l in m["layers"])
    assert kinds == ["model", "params", "projector"], m
    s = api.show("stories-dir")
    assert s["model_info"]["general.architecture"] == "llama"
    assert s["projector_info"]["general.architecture"] == "clip"
    assert "vision" in s["capabilities"]
    api.delete("/api/delete", {"model": "stories-dir"})


def test_adapter_is_stored_shown_and_applied(api, server, stories, stories_digest, lora):
    adapter = api.push_blob(lora)
    api.create("stories-lora", files={"stories260K.gguf": stories_digest}, adapters={"lora.gguf": adapter})
    m = manifest(server, "stories-lora")
    layers = [l for l in m["layers"] if l["mediaType"] == ADAPTER_MT]
    assert [l["digest"] for l in layers] == [adapter], m
    s = api.show("stories-lora")
    blob = str(server.models_dir / "blobs" / adapter.replace(":", "-"))
    assert f"ADAPTER {blob}\n" in s["modelfile"], s["modelfile"]
    with_lora, base = text_of(api, "stories-lora"), text_of(api, stories)
    assert with_lora != base, "the adapter changed nothing"
    assert text_of(api, "stories-lora") == with_lora  # applied the same way each time
    api.delete("/api/delete", {"model": "stories-lora"})


def test_cli_adapter_on_an_existing_model(binary, server, api, stories, lora, tmp_path):
    (tmp_path / "Modelfile").write_text(f"FROM {stories}\nADAPTER ./{lora.rsplit('/', 1)[-1]}\n")
    shutil.copy(lora, tmp_path / lora.rsplit("/", 1)[-1])
    r = cli(binary, server, "create", "stories-lora-cli", "-f", str(tmp_path / "Modelfile"))
    assert r.returncode == 0, r.stderr
    kinds = [l["mediaType"] for l in manifest(server, "stories-lora-cli")["layers"]]
    assert kinds.count(ADAPTER_MT) == 1 and kinds.count(MODEL_MT) == 1, kinds
    assert text_of(api, "stories-lora-cli") != text_of(api, stories)
    api.delete("/api/delete", {"model": "stories-lora-cli"})


def test_adapter_for_another_architecture_is_refused(api, stories_digest, tmp_path):
    wrong = api.push_blob(make_lora(STORIES_GGUF, str(tmp_path / "gemma-lora.gguf"), arch="gemma3"))
    r = api.post("/api/create", {"model": "stories-badlora", "files": {"stories260K.gguf": stories_digest},
                                 "adapters": {"gemma-lora.gguf": wrong}})
    assert r.status_code == 400, r.text
    assert error_of(r) == 'adapter "gemma-lora.gguf" is for the gemma3 architecture, but the model is llama'
    assert find_model(api.tags(), "stories-badlora") is None


def test_split_model_quantized_on_create(fresh_server, parts):
    """Merged, then quantized: only the quantized model and its config stay."""
    api = Api(fresh_server.url)
    files = {f"p{i}.gguf": api.push_blob(p) for i, p in enumerate(parts)}
    r, items = api.stream("/api/create", {"model": "split-q8", "files": files, "quantize": "q8_0"})
    assert r.status_code == 200 and items[-1] == {"status": "success"}, items[-3:]
    statuses = [i["status"] for i in items]
    assert statuses.index("merging 3 split GGUF files") < statuses.index("quantizing F32 model to Q8_0")
    assert api.show("split-q8")["details"]["quantization_level"] == "Q8_0"
    m = manifest(fresh_server, "split-q8")
    kept = sorted(p.name for p in (fresh_server.models_dir / "blobs").iterdir())
    assert kept == sorted(l["digest"].replace(":", "-") for l in [m["config"], *m["layers"]]), kept
    assert api.generate(model="split-q8", prompt="Once", options={"num_predict": 3})["done"]


def test_two_model_files_are_refused(api, stories_digest, tiny_digest):
    r = api.post("/api/create", {"model": "two-models", "stream": False,
                                 "files": {"a.gguf": stories_digest, "b.gguf": tiny_digest}})
    assert r.status_code == 400
    assert error_of(r) == 'files "a.gguf" and "b.gguf" are both models; give one'
