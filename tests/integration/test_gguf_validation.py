"""The GGUF pre-validator runs before llama.cpp opens a file: a crafted file
is refused with its reason at blob upload, and a blob corrupted on disk after
create is refused at load, with a clear error and no crash."""

import hashlib
import struct

import requests

from lokal_helpers import HTTP_TIMEOUT, STORIES_GGUF, Api


def gguf_with_tensor(offset: int, data: int) -> bytes:
    """One F32 tensor of 8 elements (32 bytes) at `offset`, `data` bytes of tensor data."""
    out = b"GGUF" + struct.pack("<IQQ", 3, 1, 1)
    key, val = b"general.architecture", b"llama"
    out += struct.pack("<Q", len(key)) + key + struct.pack("<IQ", 8, len(val)) + val
    name = b"w"
    out += struct.pack("<Q", len(name)) + name + struct.pack("<IQIQ", 1, 8, 0, offset)
    out += b"\0" * (-len(out) % 32)
    return out + b"\0" * data


def upload(server, data: bytes):
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    return digest, requests.post(server.url + "/api/blobs/" + digest, data=data, timeout=HTTP_TIMEOUT)


def test_crafted_gguf_refused_at_upload(server):
    for data, reason in [(gguf_with_tensor(0, 16), "ends past the end"),
                         (gguf_with_tensor(4, 64), "not aligned"),
                         (b"GGUF" + struct.pack("<IQQ", 3, 0, 1 << 40), "keys, more than")]:
        digest, r = upload(server, data)
        assert r.status_code == 400, r.text
        assert r.json()["error"].startswith("invalid GGUF file: ")
        assert reason in r.json()["error"]
        assert str(server.models_dir) not in r.text
        assert requests.head(server.url + "/api/blobs/" + digest, timeout=HTTP_TIMEOUT).status_code == 404
    # Valid GGUF and non-GGUF blobs still go in.
    assert upload(server, gguf_with_tensor(0, 32))[1].status_code == 201
    assert upload(server, b"Apache License 2.0 ...")[1].status_code == 201


def test_blob_corrupted_after_create_is_refused_at_load(fresh_server):
    api = Api(fresh_server.url)
    digest = api.push_blob(STORIES_GGUF)
    api.create("victim", files={"stories260K.gguf": digest})
    blob = fresh_server.models_dir / "blobs" / digest.replace(":", "-")
    data = bytearray(blob.read_bytes())
    # Tensor count: 2^40, far past the cap; llama.cpp never sees it.
    data[8:16] = struct.pack("<Q", 1 << 40)
    blob.write_bytes(bytes(data))
    r = api.post("/api/generate", {"model": "victim", "prompt": "hi", "stream": False})
    assert r.status_code >= 400
    err = r.json()["error"]
    # Refused by whichever check reads the file first (the scheduler's memory
    # estimate, else the pre-validator in front of llama.cpp), with the reason.
    assert "tensors, more than" in err
    assert str(fresh_server.models_dir) not in err
    assert requests.get(fresh_server.url + "/api/version", timeout=HTTP_TIMEOUT).status_code == 200
