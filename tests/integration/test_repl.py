"""`lokal run MODEL` interactively, through a pseudo-terminal."""

import time

import pexpect
import pytest

from lokal_helpers import IDLE_CORES, client_env, squash, strip_ansi

pytestmark = pytest.mark.gemma

PROMPT = ">>> "
ANSWER_TIMEOUT = 60


def spawn(binary, server, model):
    env = client_env(server.host, server.home)
    env["TERM"] = "xterm"  # as in a terminal, whatever the test runner has
    child = pexpect.spawn(str(binary), ["run", model], env=env,
                          encoding="utf-8", codec_errors="replace", dimensions=(50, 250), timeout=60)
    child.expect_exact(PROMPT)
    return child


def say(child, line, timeout=ANSWER_TIMEOUT):
    """Types a line, waits for the next prompt, returns what came between
    (ANSI codes and the echo of the typed text removed)."""
    child.send(line + "\r")
    child.expect_exact(PROMPT, timeout=timeout)
    out = strip_ansi(child.before)
    idx = out.find(line)
    return out[idx + len(line):] if idx >= 0 else out


def expect_exit(child, timeout=15):
    child.expect(pexpect.EOF, timeout=timeout)
    child.close()
    return child.exitstatus


def contained(expected, shown):
    return squash(expected) in squash(shown)


def test_repl_conversation(binary, server, api, gemma_chat):
    child = spawn(binary, server, gemma_chat)
    try:
        out = say(child, "/set parameter num_predict 8")
        assert "Set parameter 'num_predict' to '8'" in out, out
        out = say(child, "/set parameter temperature 0")
        assert "Set parameter 'temperature' to '0'" in out, out

        opts = {"num_predict": 8, "temperature": 0}
        m1 = "What is the capital of France?"
        a1 = api.chat(model=gemma_chat, messages=[{"role": "user", "content": m1}], options=opts)["message"]
        out = say(child, m1)
        assert contained(a1["content"], out), f"expected {a1['content']!r} in {out!r}"

        # the REPL keeps the conversation: the second answer is the multi-turn one
        m2 = "And what is the capital of Spain?"
        a2 = api.chat(model=gemma_chat, options=opts, messages=[
            {"role": "user", "content": m1}, {"role": "assistant", "content": a1["content"]},
            {"role": "user", "content": m2}])["message"]
        out = say(child, m2)
        assert contained(a2["content"], out), f"expected {a2['content']!r} in {out!r}"

        out = say(child, "/clear")
        assert "Cleared session context" in out, out
        # after /clear the first question gets the first answer again
        out = say(child, m1)
        assert contained(a1["content"], out), f"expected {a1['content']!r} in {out!r}"

        out = say(child, "/show info")
        assert "architecture" in out and "gemma3" in out, out
        assert "quantization" in out and "Q4_K_M" in out, out

        # multi-line input between triple quotes
        child.send('"""What is the capital\r')
        child.expect_exact("... ", timeout=10)
        child.send('of Germany?"""\r')
        child.expect_exact(PROMPT, timeout=ANSWER_TIMEOUT)
        out = strip_ansi(child.before)
        a3 = api.chat(model=gemma_chat, options=opts, messages=[
            {"role": "user", "content": m1}, {"role": "assistant", "content": a1["content"]},
            {"role": "user", "content": "What is the capital\nof Germany?"}])["message"]
        assert contained(a3["content"], out), f"expected {a3['content']!r} in {out!r}"

        child.send("/bye\r")
        assert expect_exit(child) == 0
    finally:
        if child.isalive():
            child.terminate(force=True)


def test_repl_ctrl_d_exits(binary, server, gemma_chat):
    child = spawn(binary, server, gemma_chat)
    child.sendcontrol("d")
    assert expect_exit(child) == 0


def test_repl_unknown_command(binary, server, gemma_chat):
    child = spawn(binary, server, gemma_chat)
    try:
        out = say(child, "/frobnicate")
        assert "Unknown command" in out, out
        assert child.isalive()
        child.send("/bye\r")
        assert expect_exit(child) == 0
    finally:
        if child.isalive():
            child.terminate(force=True)


@pytest.mark.timeout(180)
def test_repl_ctrl_c_interrupts_answer(binary, server, api, gemma_base):
    child = spawn(binary, server, gemma_base)
    try:
        say(child, "/set parameter num_predict 4000")
        say(child, "/set parameter temperature 0")
        say(child, "/set parameter num_ctx 8192")
        child.send("1, 2, 3, 4, 5, 6, 7, 8, 9, 10,\r")
        # wait for the answer to be under way
        child.expect(r"1[1-9]", timeout=ANSWER_TIMEOUT)
        assert server.cpu_load(1.0) > 2 * IDLE_CORES, "the answer is not being generated"
        t0 = time.monotonic()
        child.sendcontrol("c")
        child.expect_exact(PROMPT, timeout=15)
        assert time.monotonic() - t0 < 15
        # and the server stopped generating
        idle, load = server.wait_idle(10)
        assert idle, f"server still generating ({load:.2f} cores) 10 s after Ctrl+C"
        # the REPL is still usable
        out = say(child, "/set parameter num_predict 3")
        assert "num_predict" in out
        # Ctrl+C at an empty prompt does not exit
        child.sendcontrol("c")
        child.expect_exact(PROMPT, timeout=10)
        assert child.isalive()
        child.send("/bye\r")
        assert expect_exit(child) == 0
    finally:
        if child.isalive():
            child.terminate(force=True)
