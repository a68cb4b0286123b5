"""Correctness: greedy text from lokal equals llama.cpp's own greedy completion
(`llama-completion` from the same build and the same pinned llama.cpp)."""

import json
import os
import subprocess
from pathlib import Path

import pytest

from lokal_helpers import OLLAMA_COMPAT, STORIES_GGUF, TINY_GGUF, lokal_bin

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
    """llama.cpp's greedy continuation of `prompt`, byte for byte: special-token
    text in it is parsed, BOS is added as the model asks, no escapes processed."""
    cmd = [str(binary), "-m", str(model), "-p", prompt, "-n", str(n), "--temp", "0", "-s", "1",
           "-c", str(N_CTX), "-t", "1", "-no-cnv", "--no-warmup", "--no-display-prompt",
           "--simple-io", "--single-turn", "--no-escape",
           "-fa", "off"]  # as lokal runs a model on the CPU only (sched::choose_flash_attention)
    for _attempt in range(2):
        r = subprocess.run(cmd, capture_output=True, timeout=300, stdin=subprocess.DEVNULL)
        err = r.stderr.decode(errors="replace")[-3000:]
        assert r.returncode == 0, f"{cmd} failed ({r.returncode}):\n{err}"
        out = r.stdout.decode("utf-8", errors="replace")
        # stdout: the generated text, " [end of text]\n" if an end-of-generation
        # token came, then "\n\n" at exit; the logs go to stderr
        if out.endswith("\n\n"):
            break
    assert out.endswith("\n\n"), f"unexpected llama-completion output {out[-200:]!r}; stderr:\n{err}"
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


CONVERSATIONS = json.loads((OLLAMA_COMPAT / "conversations.json").read_text())
RENDERINGS = OLLAMA_COMPAT / "template-renderings" / "gemma3-instruct.gotmpl"


@pytest.mark.parametrize("conv", sorted(CONVERSATIONS))
def test_chat_matches_llama_cpp_on_ollamas_rendering(api, llama_completion, gemma_chat, gemma_path, conv):
    """Chat = Ollama's rendering of the conversation (shared corpus) fed to llama.cpp."""
    expected = reference(llama_completion, gemma_path, (RENDERINGS / conv).read_text(), 16)
    c = api.chat(model=gemma_chat, messages=CONVERSATIONS[conv],
                 options={"temperature": 0, "seed": 1, "num_predict": 16, "num_ctx": N_CTX})
    assert c["message"]["content"] == expected, f"\nlokal: {c['message']['content']!r}\nllama: {expected!r}"


def test_raw_prompt_with_special_tokens_matches_llama_cpp(api, llama_completion, gemma_base, gemma_path):
    """Special-token text in a raw prompt is parsed as those tokens, like llama.cpp does."""
    prompt = (RENDERINGS / "user").read_text()
    expected = reference(llama_completion, gemma_path, prompt, 16)
    g = api.generate(model=gemma_base, prompt=prompt, raw=True,
                     options={"temperature": 0, "seed": 1, "num_predict": 16, "num_ctx": N_CTX})
    assert g["response"] == expected, f"\nlokal: {g['response']!r}\nllama: {expected!r}"
