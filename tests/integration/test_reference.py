"""Correctness: greedy text from lokal equals llama.cpp's own greedy completion
(`llama-completion` from the same build and the same pinned llama.cpp)."""

import os
import subprocess
from pathlib import Path

import pytest

from lokal_helpers import STORIES_GGUF, TINY_GGUF, lokal_bin

END_MARK = " [end of text]"
N_CTX = 2048


def reference_bin() -> Path:
    env = os.environ.get("LLAMA_COMPLETION")
    return Path(env) if env else lokal_bin().parent / "bin" / "llama-completion"


@pytest.fixture(scope="module")
def llama_completion() -> Path:
    b = reference_bin()
    if not b.is_file():
        pytest.fail(f"reference binary {b} is missing: build it with "
                    f"`cmake --build build --target llama-completion` (or set LLAMA_COMPLETION)",
                    pytrace=False)
    return b


def reference(binary: Path, model: Path, prompt: str, n: int) -> str:
    cmd = [str(binary), "-m", str(model), "-p", prompt, "-n", str(n), "--temp", "0", "-s", "1",
           "-c", str(N_CTX), "-t", "1", "-no-cnv", "--no-warmup", "--no-display-prompt",
           "--simple-io", "--single-turn"]
    r = subprocess.run(cmd, capture_output=True, timeout=300, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stderr.decode(errors='replace')[-3000:]}"
    out = r.stdout.decode("utf-8", errors="replace")
    # stdout: the generated text, " [end of text]\n" if an end-of-generation
    # token came, then "\n\n" at exit; the logs go to stderr
    assert out.endswith("\n\n"), f"unexpected llama-completion output: {out[-200:]!r}"
    out = out[:-2]
    if out.endswith(END_MARK + "\n"):
        out = out[: -len(END_MARK) - 1]
    return out


CASES = [
    ("stories", STORIES_GGUF, "Once upon a time", 48),
    ("stories", STORIES_GGUF, "Tom and Lily went to the park.", 48),
    ("tiny", TINY_GGUF, "Hello world", 32),
    ("tiny", TINY_GGUF, "The quick brown fox", 32),
    ("gemma", None, "The capital of France is", 32),
    ("gemma", None, "def fibonacci(n):", 32),
]


@pytest.mark.parametrize("which,path,prompt,n", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_greedy_matches_llama_cpp(request, api, llama_completion, which, path, prompt, n):
    if which == "gemma":
        model = request.getfixturevalue("gemma_base")
        path = request.getfixturevalue("gemma_path")
    else:
        model = request.getfixturevalue("stories" if which == "stories" else "tiny")
    expected = reference(llama_completion, path, prompt, n)
    g = api.generate(model=model, prompt=prompt, raw=True,
                     options={"temperature": 0, "seed": 1, "num_predict": n, "num_ctx": N_CTX})
    got = g["response"]
    assert got == expected, (
        f"\nlokal: {got!r}\nllama: {expected!r}\n(done_reason {g['done_reason']}, eval_count {g['eval_count']})")
    if g["done_reason"] == "length":
        assert g["eval_count"] == n


def test_streamed_greedy_matches_too(api, llama_completion, stories):
    expected = reference(llama_completion, STORIES_GGUF, "Once upon a time", 48)
    r, items = api.stream("/api/generate", {"model": stories, "prompt": "Once upon a time", "raw": True,
                                            "options": {"temperature": 0, "seed": 1, "num_predict": 48,
                                                        "num_ctx": N_CTX}})
    assert "".join(i["response"] for i in items) == expected
