"""Writes GGUF test fixtures without the gguf package: split parts in
llama.cpp's gguf-split layout, and LoRA adapters in llama.cpp's adapter
layout (general.type=adapter, adapter.type=lora, adapter.lora.alpha, tensors
<weight>.lora_a [n_in, rank] and <weight>.lora_b [rank, n_out])."""

import random
import struct

from gguf_meta import _Reader

_F32 = 0
_U16, _U32, _I32, _F32_KV, _STRING = 2, 4, 5, 6, 8


def _kv(key, vtype, payload):
    k = key.encode()
    return struct.pack("<Q", len(k)) + k + struct.pack("<I", vtype) + payload


def _kv_str(key, value):
    v = value.encode()
    return _kv(key, _STRING, struct.pack("<Q", len(v)) + v)


def _tensor_info(name, dims, ttype, offset):
    n = name.encode()
    return (struct.pack("<Q", len(n)) + n + struct.pack("<I", len(dims))
            + b"".join(struct.pack("<Q", d) for d in dims) + struct.pack("<IQ", ttype, offset))


def read_layout(path):
    """{version, alignment, kvs: [(key, raw bytes)], tensors: [{name, dims,
    type, data}]}; a tensor's data runs to the next tensor's offset, so it
    keeps its padding."""
    with open(path, "rb") as f:
        r = _Reader(f)
        assert f.read(4) == b"GGUF"
        version, n_tensors, n_kv = r.take("<I"), r.take("<Q"), r.take("<Q")
        kvs, alignment = [], 32
        for _ in range(n_kv):
            start = f.tell()
            key = r.string()
            vtype = r.take("<I")
            v = r.value(vtype, False)
            if key == "general.alignment":
                alignment = v
            end = f.tell()
            f.seek(start)
            kvs.append((key, f.read(end - start)))
        tensors = []
        for _ in range(n_tensors):
            name = r.string()
            dims = [r.take("<Q") for _ in range(r.take("<I"))]
            tensors.append({"name": name, "dims": dims, "type": r.take("<I"), "offset": r.take("<Q")})
        data_start = (f.tell() + alignment - 1) // alignment * alignment
        f.seek(0, 2)
        size = f.tell()
        ends = sorted(t["offset"] for t in tensors)[1:] + [size - data_start]
        end_of = dict(zip(sorted(t["offset"] for t in tensors), ends))
        for t in tensors:
            f.seek(data_start + t["offset"])
            t["data"] = f.read(end_of[t["offset"]] - t["offset"])
    return {"version": version, "alignment": alignment, "kvs": kvs, "tensors": tensors}


def write_gguf(path, kvs, tensors, alignment=32, version=3):
    """kvs: encoded pairs; tensors: [{name, dims, type, data}]."""
    infos, offset, blobs = b"", 0, []
    for t in tensors:
        infos += _tensor_info(t["name"], t["dims"], t["type"], offset)
        data = t["data"] + b"\0" * ((-len(t["data"])) % alignment)
        blobs.append(data)
        offset += len(data)
    head = b"GGUF" + struct.pack("<IQQ", version, len(tensors), len(kvs)) + b"".join(kvs) + infos
    head += b"\0" * ((-len(head)) % alignment)
    with open(path, "wb") as out:
        out.write(head + b"".join(blobs))


def with_extra_u32(src, dst, key, value):
    """Copies a GGUF, adding one uint32 key/value (e.g. a pooling type)."""
    g = read_layout(src)
    kvs = [raw for _, raw in g["kvs"]] + [_kv(key, _U32, struct.pack("<I", value))]
    write_gguf(dst, kvs, g["tensors"], g["alignment"], g["version"])


def with_extra_str(src, dst, key, value):
    """Copies a GGUF, adding (or replacing) one string key/value (e.g. a chat template)."""
    g = read_layout(src)
    kvs = [raw for k, raw in g["kvs"] if k != key] + [_kv_str(key, value)]
    write_gguf(dst, kvs, g["tensors"], g["alignment"], g["version"])


def split_gguf(src, prefix, parts):
    """Splits src into prefix-0000i-of-0000n.gguf as llama-gguf-split does:
    every part has split.no/split.count (u16) and split.tensors.count (i32),
    only the first has the model's metadata. Returns the paths."""
    g = read_layout(src)
    tensors = g["tensors"]
    per = -(-len(tensors) // parts)
    paths = []
    for i in range(parts):
        split_kvs = [_kv("split.no", _U16, struct.pack("<H", i)),
                     _kv("split.count", _U16, struct.pack("<H", parts)),
                     _kv("split.tensors.count", _I32, struct.pack("<i", len(tensors)))]
        kvs = ([raw for _, raw in g["kvs"]] if i == 0 else []) + split_kvs
        path = f"{prefix}-{i + 1:05d}-of-{parts:05d}.gguf"
        write_gguf(path, kvs, tensors[i * per:(i + 1) * per], g["alignment"], g["version"])
        paths.append(path)
    return paths


def make_lora(base, dst, arch=None, rank=4, layers=(0, 1), seed=7, scale=0.5):
    """A LoRA adapter with random A/B for the attention and FFN weights of
    the given layers of base (an F32 llama-style model); arch overrides the
    architecture it claims."""
    g = read_layout(base)
    rng = random.Random(seed)
    tensors = []
    targets = {f"blk.{l}.{w}.weight" for l in layers for w in ("attn_q", "attn_k", "attn_v", "attn_output", "ffn_up")}
    for t in g["tensors"]:
        if t["name"] not in targets or len(t["dims"]) != 2:
            continue
        n_in, n_out = t["dims"]
        a = [rng.gauss(0, scale) for _ in range(n_in * rank)]
        b = [rng.gauss(0, scale) for _ in range(rank * n_out)]
        tensors.append({"name": t["name"] + ".lora_a", "dims": [n_in, rank], "type": _F32,
                        "data": struct.pack(f"<{len(a)}f", *a)})
        tensors.append({"name": t["name"] + ".lora_b", "dims": [rank, n_out], "type": _F32,
                        "data": struct.pack(f"<{len(b)}f", *b)})
    assert tensors, "no LoRA targets in " + str(base)
    kvs = [_kv_str("general.architecture", arch or _arch_of(g)), _kv_str("general.type", "adapter"),
           _kv_str("adapter.type", "lora"), _kv("adapter.lora.alpha", _F32_KV, struct.pack("<f", float(rank)))]
    write_gguf(dst, kvs, tensors)
    return dst


def _arch_of(layout):
    for key, raw in layout["kvs"]:
        if key == "general.architecture":
            klen = struct.unpack("<Q", raw[:8])[0]
            vlen = struct.unpack("<Q", raw[8 + klen + 4:8 + klen + 12])[0]
            return raw[8 + klen + 12:8 + klen + 12 + vlen].decode()
    raise ValueError("no general.architecture")
