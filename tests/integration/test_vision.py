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

from conftest import GEMMA_TEMPLATE
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
    files = {"tiny-gemma3.gguf": api.push_blob(path), "mmproj.gguf": api.push_blob(MMPROJ_GGUF)}
    api.create("tiny-vision", files=files)
    # The same pair with Ollama's Gemma 3 template, for /api/chat.
    api.create("tiny-vision-chat", files=files, template=GEMMA_TEMPLATE.read_text())
    return "tiny-vision"


@pytest.fixture(scope="module")
def vision_chat(tiny_vision):
    return "tiny-vision-chat"


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


def chat(api, model, messages, **body):
    return api.post("/api/chat", {"model": model, "messages": messages, "stream": False,
                                  "options": {"num_predict": 3, "seed": 1}, **body})


def test_chat_renders_ollama_image_tags(api, vision_chat):
    # Ollama's chatPrompt: [img-N] before the text, or in place of "[img]";
    # N counts images over the whole chat.
    msgs = [{"role": "user", "content": "first", "images": [IMAGE]},
            {"role": "assistant", "content": "ok"},
            {"role": "user", "content": "compare [img] with that", "images": [IMAGE, IMAGE]}]
    r = chat(api, vision_chat, msgs, _debug_render_only=True)
    assert r.status_code == 200, r.text[:300]
    info = r.json()["_debug_info"]
    assert info["image_count"] == 3
    assert info["rendered_template"] == (
        "<start_of_turn>user\n[img-0]first<end_of_turn>\n<start_of_turn>model\nok<end_of_turn>\n"
        "<start_of_turn>user\n[img-2]compare [img-1] with that<end_of_turn>\n<start_of_turn>model\n\n")
    plain = chat(api, vision_chat, [{"role": "user", "content": "x"}], _debug_render_only=True).json()
    assert "image_count" not in plain["_debug_info"]


def test_chat_image_is_encoded(api, vision_chat):
    plain = chat(api, vision_chat, [{"role": "user", "content": "describe"}])
    assert plain.status_code == 200, plain.text[:300]
    r = chat(api, vision_chat, [{"role": "user", "content": "describe", "images": [IMAGE]}])
    assert r.status_code == 200, r.text[:300]
    body = r.json()
    assert body["prompt_eval_count"] >= plain.json()["prompt_eval_count"] + 256
    assert body["eval_count"] == 3 and body["message"]["role"] == "assistant"
    # Images of earlier turns are encoded too.
    two = chat(api, vision_chat, [{"role": "user", "content": "a", "images": [IMAGE]},
                                  {"role": "assistant", "content": "b"},
                                  {"role": "user", "content": "c", "images": [IMAGE]}]).json()
    assert two["prompt_eval_count"] >= body["prompt_eval_count"] + 256


def test_chat_image_streamed(api, vision_chat):
    r, items = api.stream("/api/chat", {"model": vision_chat, "options": {"num_predict": 2},
                                       "messages": [{"role": "user", "content": "x", "images": [IMAGE]}]})
    assert r.status_code == 200 and items[-1]["done"] is True
    assert items[-1]["prompt_eval_count"] > 256


def test_chat_image_with_gguf_template(api, tiny_vision):
    # No Go template: the GGUF's own (libcommon's fallback) renders the tag.
    r = chat(api, tiny_vision, [{"role": "user", "content": "describe", "images": [IMAGE]}])
    assert r.status_code == 200, r.text[:300]
    assert r.json()["prompt_eval_count"] > 256


def test_chat_image_errors(api, vision_chat, stories):
    r = chat(api, stories, [{"role": "user", "content": "x", "images": [IMAGE]}])
    assert r.status_code == 400 and error_of(r).endswith("does not support vision")
    r = chat(api, vision_chat, [{"role": "user", "content": "x", "images": ["%%"]}])
    assert r.status_code == 400 and "messages[0].images[0] is not valid base64" in error_of(r)
    r = chat(api, vision_chat, [{"role": "user", "content": "x", "images": [base64.b64encode(b"hello").decode()]}])
    assert r.status_code == 400 and "image" in error_of(r)
    # A tag naming an image the request does not have, as Ollama's runner refuses it.
    r = chat(api, vision_chat, [{"role": "user", "content": "see [img-7]", "images": [IMAGE]}])
    assert r.status_code == 400 and error_of(r) == "invalid image index: 7"
    r = chat(api, vision_chat, [{"role": "user", "content": "x", "images": "abc"}])
    assert r.status_code == 400


def test_openai_client_image_url(server, vision_chat, stories):
    openai = pytest.importorskip("openai")
    client = openai.OpenAI(base_url=server.url + "/v1", api_key="lokal", max_retries=0, timeout=120)
    parts = [{"type": "text", "text": "describe"},
             {"type": "image_url", "image_url": {"url": "data:image/png;base64," + IMAGE}}]
    r = client.chat.completions.create(model=vision_chat, max_tokens=2, seed=1,
                                       messages=[{"role": "user", "content": parts}])
    assert r.choices[0].message.role == "assistant"
    assert r.usage.prompt_tokens > 256 and r.usage.completion_tokens == 2
    with pytest.raises(openai.BadRequestError) as e:
        client.chat.completions.create(model=stories, max_tokens=2, messages=[{"role": "user", "content": parts}])
    assert e.value.body["message"].endswith("does not support vision")


def test_anthropic_client_image_block(server, vision_chat, stories):
    anthropic = pytest.importorskip("anthropic")
    client = anthropic.Anthropic(base_url=server.url, api_key="lokal", max_retries=0, timeout=120)
    blocks = [{"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": IMAGE}},
              {"type": "text", "text": "describe"}]
    m = client.messages.create(model=vision_chat, max_tokens=2, messages=[{"role": "user", "content": blocks}])
    assert m.usage.input_tokens > 256 and m.usage.output_tokens == 2
    with pytest.raises(anthropic.BadRequestError) as e:
        client.messages.create(model=stories, max_tokens=2, messages=[{"role": "user", "content": blocks}])
    assert e.value.body["error"]["message"].endswith("does not support vision")


def test_ollama_client_chat_image(server, vision_chat):
    ollama = pytest.importorskip("ollama")
    client = ollama.Client(host=server.url, timeout=120)
    # The client base64-encodes raw bytes itself.
    r = client.chat(model=vision_chat, options={"num_predict": 2},
                    messages=[{"role": "user", "content": "describe", "images": [png(16, 16)]}])
    assert r.message.role == "assistant" and r.prompt_eval_count > 256 and r.eval_count == 2
