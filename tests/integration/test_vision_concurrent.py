"""A prompt with images beside a text stream: the image goes through mtmd on
its own, the text around it through the ordinary batches, one step at a
time, so the other slot keeps generating while the image prompt is
evaluated (it used to wait for the whole prompt), and both answers are the
ones each request gives alone. Same tiny Gemma 3 + projector pair as
test_vision.py; a server of its own with two slots."""

import json
import subprocess
import sys
import threading
import time

import pytest
import requests

from lokal_helpers import MMPROJ_GGUF, REPO, Api, LokalServer
from test_vision import IMAGE

# Small batches: the image prompt's text takes many steps.
OPTIONS = {"temperature": 0, "num_batch": 16}
IMAGE_PROMPT = "<start_of_image> " + "the cat is a dog " * 60


@pytest.fixture(scope="module")
def vapi(binary, tmp_path_factory):
    s = LokalServer(binary, tmp_path_factory.mktemp("vision2"), extra_env={"LOKAL_NUM_PARALLEL": "2"})
    s.start()
    api = Api(s.url)
    path = tmp_path_factory.mktemp("vision2-model") / "tiny-gemma3.gguf"
    subprocess.run([sys.executable, str(REPO / "scripts" / "make-tiny-gemma3.py"), str(path)], check=True,
                   timeout=120)
    api.create("tiny-vision", files={"tiny-gemma3.gguf": api.push_blob(path),
                                     "mmproj.gguf": api.push_blob(MMPROJ_GGUF)})
    yield api
    s.stop()


def stream(api, body, sent, chunks):
    """Streams one request; records when it was sent and when each line came."""
    sent.append(time.monotonic())
    with requests.post(api.base + "/api/generate", stream=True, timeout=300,
                       json={"model": "tiny-vision", "raw": True, **body}) as r:
        assert r.status_code == 200, r.text
        for line in r.iter_lines():
            if line.strip():
                chunks.append((time.monotonic(), line))


def text_of(chunks):
    items = [json.loads(line) for _, line in chunks]
    assert items[-1].get("done") is True, items[-1]
    return "".join(i.get("response", "") for i in items), items[-1]


def test_text_stream_goes_on_while_an_image_prompt_is_evaluated(vapi):
    text_body = {"prompt": "hello world", "options": {**OPTIONS, "num_predict": 300}}
    image_body = {"prompt": IMAGE_PROMPT, "images": [IMAGE], "options": {**OPTIONS, "num_predict": 8}}
    alone_text, alone_image = [], []
    stream(vapi, text_body, [], alone_text)
    stream(vapi, image_body, [], alone_image)
    want_text, done_text = text_of(alone_text)
    want_image, done_image = text_of(alone_image)
    assert done_text["eval_count"] == 300, "the text stream must outlast the image prompt"
    assert done_image["prompt_eval_count"] > 256 + 500, done_image["prompt_eval_count"]

    text_chunks, image_chunks, image_sent = [], [], []
    t = threading.Thread(target=stream, args=(vapi, text_body, [], text_chunks))
    t.start()
    while len(text_chunks) < 5:  # the text slot is generating
        assert t.is_alive()
        time.sleep(0.005)
    stream(vapi, image_body, image_sent, image_chunks)
    t.join(300)
    assert text_of(text_chunks)[0] == want_text
    assert text_of(image_chunks)[0] == want_image
    # Every step of the image prompt (~50 with batches of 16) gave the text
    # slot a token; evaluated in one go, there would be none in between.
    first_image_token = image_chunks[0][0]
    between = [c for c in text_chunks if image_sent[0] < c[0] < first_image_token]
    assert len(between) >= 10, len(between)
