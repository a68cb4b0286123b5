"""`lokal create` reads FROM/ADAPTER files only from the Modelfile's folder
(and below) or LOKAL_MODELFILE_DIRS: a path escaping them, a symlink out,
a device or a FIFO is treated exactly as a missing file, and no message
shows an absolute path. The real CLI against a real server."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from lokal_helpers import STORIES_GGUF, client_env


def _create(binary, server, name, folder, extra_env=None):
    env = client_env(server.host, server.home)
    env.update(extra_env or {})
    return subprocess.run([str(binary), "create", name, "-f", str(folder / "Modelfile")], env=env,
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL, cwd=folder)


@pytest.fixture
def layout(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.copy(STORIES_GGUF, outside / "secret.gguf")
    work = tmp_path / "work"
    (work / "sub").mkdir(parents=True)
    shutil.copy(STORIES_GGUF, work / "sub" / "ok.gguf")
    (work / "link-out.gguf").symlink_to(outside / "secret.gguf")
    (work / "link-in.gguf").symlink_to(work / "sub" / "ok.gguf")
    os.mkfifo(work / "pipe.gguf")
    return work, outside


@pytest.mark.parametrize("from_", ["../outside/secret.gguf", "ABS", "./link-out.gguf", "./pipe.gguf",
                                   "/dev/zero", "./missing.gguf"])
def test_refused_from_reads_like_a_missing_file(binary, server, layout, from_):
    work, outside = layout
    if from_ == "ABS":
        from_ = str(outside / "secret.gguf")
    (work / "Modelfile").write_text(f"FROM {from_}\n")
    r = _create(binary, server, "refused", work)
    assert r.returncode != 0
    # The same answer a missing file gets, which says where files may come from.
    (work / "Modelfile").write_text("FROM ./missing.gguf\n")
    missing = _create(binary, server, "refused", work)
    assert missing.stderr == ("Error: FROM ./missing.gguf: no such file in the Modelfile's folder, the model store "
                              "or LOKAL_MODELFILE_DIRS, and not a model name\n")
    assert r.stderr.replace(from_, "X") == missing.stderr.replace("./missing.gguf", "X")
    assert str(work) not in r.stderr and str(outside) not in r.stderr.replace(from_, "")


@pytest.mark.parametrize("adapter", ["../outside/secret.gguf", "./link-out.gguf", "./pipe.gguf", "/dev/zero"])
def test_refused_adapter_is_no_such_file(binary, server, layout, adapter):
    work, _ = layout
    (work / "Modelfile").write_text(f"FROM ./sub/ok.gguf\nADAPTER {adapter}\n")
    r = _create(binary, server, "refused-adapter", work)
    assert r.returncode != 0
    assert f"adapter {adapter}: no such file or directory" in r.stderr


def test_allowed_files(binary, server, layout):
    work, outside = layout
    (work / "Modelfile").write_text("FROM ./link-in.gguf\n")
    r = _create(binary, server, "allowed-link", work)
    assert r.returncode == 0, r.stderr
    (work / "Modelfile").write_text(f"FROM {outside / 'secret.gguf'}\n")
    r = _create(binary, server, "allowed-extra", work, {"LOKAL_MODELFILE_DIRS": str(outside)})
    assert r.returncode == 0, r.stderr
