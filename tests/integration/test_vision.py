"""Images on /api/generate through llama.cpp's mtmd, with a generated tiny
Gemma 3 text model (random weights, scripts/make-tiny-gemma3.py) paired
with the real tiny projector in ../shared/models. The output is gibberish;
what is tested is the path: decoding, projector encoding, positions."""

import base64
import struct
import subprocess
import sys
import zlib

import pytest

from lokal_helpers import MMPROJ_GGUF, REPO, error_of


def png(w: int, h: int) -> bytes:
    raw = b"".join(b"\0" + b"".join(bytes((x * 16 % 256, y * 16 % 256, 128)) for x in range(w)) for y in range(h))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


IMAGE = base64.b64encode(png(16, 16)).decode()


@pytest.fixture(scope="module")
def tiny_vision(api, tmp_path_factory):
    path = tmp_path_factory.mktemp("vision") / "tiny-gemma3.gguf"
    subprocess.run([sys.executable, str(REPO / "scripts" / "make-tiny-gemma3.py"), str(path)], check=True,
                   timeout=120)
    api.create("tiny-vision", files={"tiny-gemma3.gguf": api.push_blob(path), "mmproj.gguf": api.push_blob(MMPROJ_GGUF)})
    return "tiny-vision"


def gen(api, model, **body):
    return api.post("/api/generate", {"model": model, "stream": False, "options": {"num_predict": 3, "seed": 1},
                                      **body})


def test_image_is_encoded_into_the_prompt(api, tiny_vision):
    plain = gen(api, tiny_vision, prompt="describe")
    assert plain.status_code == 200, plain.text[:300]
    with_image = gen(api, tiny_vision, prompt="describe", images=[IMAGE])
    assert with_image.status_code == 200, with_image.text[:300]
    body = with_image.json()
    # The projector turns a 32x32 image into 16x16 patches: 256 positions
    # more than the text alone, plus the image's begin/end markers.
    assert body["prompt_eval_count"] >= plain.json()["prompt_eval_count"] + 256
    assert body["eval_count"] == 3
    assert "context" not in body
    two = gen(api, tiny_vision, prompt="compare", images=[IMAGE, IMAGE]).json()
    assert two["prompt_eval_count"] >= body["prompt_eval_count"] + 256


def test_streamed_with_image(api, tiny_vision):
    r, items = api.stream("/api/generate", {"model": tiny_vision, "prompt": "x", "images": [IMAGE],
                                           "options": {"num_predict": 2}})
    assert r.status_code == 200 and items[-1]["done"] is True


def test_image_errors(api, tiny_vision, stories):
    r = gen(api, stories, prompt="x", images=[IMAGE])
    assert r.status_code == 400 and error_of(r).endswith("does not support vision")
    r = gen(api, tiny_vision, prompt="x", images=["not base64!"])
    assert r.status_code == 400 and "base64" in error_of(r)
    r = gen(api, tiny_vision, prompt="x", images=[base64.b64encode(b"hello").decode()])
    assert r.status_code == 400 and "image" in error_of(r)
    r = gen(api, tiny_vision, prompt="x", images=[IMAGE], context=[1, 2])
    assert r.status_code == 400
