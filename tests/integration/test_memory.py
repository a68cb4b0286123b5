"""The memory budget: a model that cannot fit is refused with what it needs
and what is free, before llama.cpp allocates anything; the server keeps
serving the models that fit."""
import re
import subprocess

import ollama
import pytest

from fault_helpers import rss_kib
from lokal_helpers import STORIES_GGUF, TINY_GGUF, Api, LokalServer, client_env


@pytest.fixture
def small_budget(binary, tmp_path):
    # The estimates with flash attention: stories260K 11.8 MiB,
    # llama-2-tiny-random 14.4 MiB (its 32000-token vocabulary: llama.cpp's
    # tables and a row of logits). Without it (lokal's default on the CPU)
    # a batch's attention scores come on top.
    srv = LokalServer(binary, tmp_path, {"LOKAL_MAX_MEMORY": "13MiB", "LOKAL_FLASH_ATTENTION": "true"})
    srv.start()
    api = Api(srv.url)
    api.create("stories", files={"m.gguf": api.push_blob(STORIES_GGUF)})
    api.create("tiny", files={"m.gguf": api.push_blob(TINY_GGUF)})
    yield srv, api
    srv.stop()


def test_model_over_budget_is_refused_with_need_and_free(small_budget):
    srv, api = small_budget
    r = api.refusal("/api/generate", {"model": "tiny", "prompt": "hi"})
    assert r.status_code == 503
    msg = r.json()["error"]
    assert msg.startswith("model requires more system memory (")
    assert msg.endswith(") than is available (13.0 MiB)")
    assert "Retry-After" not in r.headers  # waiting does not help
    assert api.get("/api/ps").json()["models"] == []
    assert srv.alive()


def test_model_within_budget_loads_and_runs_beside_the_refusal(small_budget):
    srv, api = small_budget
    r = api.post("/api/generate", {"model": "stories", "prompt": "Once", "stream": False,
                                   "options": {"num_predict": 4, "temperature": 0}})
    assert r.status_code == 200, r.text
    # The idle model counts as reclaimable: the refusal states the whole budget.
    r = api.refusal("/api/chat", {"model": "tiny", "messages": [{"role": "user", "content": "hi"}]})
    assert r.status_code == 503
    assert "than is available (13.0 MiB)" in r.json()["error"]
    assert [m["name"] for m in api.get("/api/ps").json()["models"]] == ["stories:latest"]


def test_official_client_sees_the_refusal(small_budget):
    srv, _ = small_budget
    client = ollama.Client(host=srv.url)
    with pytest.raises(ollama.ResponseError) as e:
        client.generate(model="tiny", prompt="hi", options={"num_predict": 1})
    assert e.value.status_code == 503
    assert "requires more system memory" in e.value.error


def test_bad_budget_setting_stops_startup(binary, tmp_path):
    srv = LokalServer(binary, tmp_path, {"LOKAL_MAX_MEMORY": "lots"})
    with pytest.raises(RuntimeError) as e:
        srv.start(ready_timeout=10)
    assert "LOKAL_MAX_MEMORY" in str(e.value)


def estimate_of(binary, tmp_path, gguf, options) -> float:
    """The scheduler's estimate in MiB, read from the refusal under a 1 MiB budget."""
    srv = LokalServer(binary, tmp_path / "estimate", {"LOKAL_MAX_MEMORY": "1MiB"})
    srv.start()
    try:
        api = Api(srv.url)
        api.create("m", files={"m.gguf": api.push_blob(gguf)})
        r = api.refusal("/api/generate", {"model": "m", "prompt": "hi", "options": options})
        assert r.status_code == 503, r.text
        m = re.match(r"model requires more system memory \(([\d.]+) (MiB|GiB)\)", r.json()["error"])
        assert m, r.text
        return float(m.group(1)) * (1024 if m.group(2) == "GiB" else 1)
    finally:
        srv.stop()


def test_estimate_matches_real_memory_of_a_sliding_window_model(binary, tmp_path, gemma_path):
    # Gemma 3 270M: 15 of 18 layers slide over 512 tokens, a 262k-token
    # vocabulary. The old formula (a full-size cache in every layer, f32
    # logits for a whole batch) said 835 MiB for a process that grows by
    # about 330-350 MiB; the estimate must now land within 25% of the RSS
    # growth after a prompt longer than one batch.
    options = {"num_ctx": 4096, "num_predict": 4, "temperature": 0}
    estimate = estimate_of(binary, tmp_path, gemma_path, options)
    srv = LokalServer(binary, tmp_path / "real", {})
    srv.start()
    try:
        api = Api(srv.url)
        api.create("m", files={"m.gguf": api.push_blob(gemma_path)})
        before = rss_kib(srv.proc.pid)
        r = api.post("/api/generate", {"model": "m", "prompt": "word " * 700, "stream": False, "options": options})
        assert r.status_code == 200, r.text
        grown = (rss_kib(srv.proc.pid) - before) / 1024
        assert 0.75 * grown <= estimate <= 1.25 * grown, f"estimate {estimate:.1f} MiB, RSS grew {grown:.1f} MiB"
        # A longer context grows the cache of the three full-attention layers
        # only, 3 x 4 MiB more per 4096 tokens, and without flash attention
        # (lokal's default on the CPU) a batch's attention scores too:
        # 512 tokens x 4096 more cells x 4 heads x 4 bytes = 32 MiB.
        bigger = estimate_of(binary, tmp_path / "b", gemma_path, {**options, "num_ctx": 8192})
        assert 43.5 <= bigger - estimate <= 44.5, (estimate, bigger)
        fa = {**options, "flash_attention": True}
        with_fa = estimate_of(binary, tmp_path / "c", gemma_path, fa)
        bigger_with_fa = estimate_of(binary, tmp_path / "d", gemma_path, {**fa, "num_ctx": 8192})
        assert 11.5 <= bigger_with_fa - with_fa <= 12.5, (with_fa, bigger_with_fa)
    finally:
        srv.stop()


def gpu_build(binary) -> bool:
    cache = binary.parent / "CMakeCache.txt"
    return cache.is_file() and "GGML_CUDA:BOOL=ON" in cache.read_text(errors="replace")


def test_cpu_only_build_reports_no_vram(binary, tmp_path):
    if gpu_build(binary):
        pytest.skip("CUDA build: models may be offloaded")
    srv = LokalServer(binary, tmp_path, {})
    srv.start()
    try:
        api = Api(srv.url)
        api.create("stories", files={"m.gguf": api.push_blob(STORIES_GGUF)})
        r = api.post("/api/generate", {"model": "stories", "prompt": "Once", "stream": False,
                                       "options": {"num_predict": 2}})
        assert r.status_code == 200, r.text
        [m] = api.get("/api/ps").json()["models"]
        assert m["size_vram"] == 0 and m["size"] > 0
        out = subprocess.run([str(binary), "ps"], env=client_env(srv.host, tmp_path), capture_output=True,
                             text=True, timeout=30)
        assert out.returncode == 0, out.stderr
        assert "100% CPU" in out.stdout, out.stdout
    finally:
        srv.stop()
