#!/usr/bin/env python3
"""Writes an F16 GGUF with random weights in the exact shapes of a real model, for speed
measurements: decoding speed depends on the shapes and the quantization, not on the weight
values. Quantize the result with `lokal create NAME -q q4_K_M` (or the bench does it).

The vocabulary has the real model's size but made-up tokens (SentencePiece style with
byte fallback), so any text tokenizes; the output is gibberish.

Pure Python, no numpy: the weights are random bytes whose f16 exponent is pinned to a
small range (|w| between 1/64 and 1/32), so no value is NaN, infinite or huge.

usage: make-synthetic-model.py {llama3.2-1b,llama3.2-3b,llama3.1-8b,tiny} OUT.gguf
"""

import argparse
import os
import struct
import sys

# Real shapes (from the models' config.json): embedding, layers, heads, KV heads,
# feed-forward, vocabulary, whether the output matrix is the embedding (tied).
SHAPES = {
    "llama3.2-1b": dict(n_embd=2048, n_layer=16, n_head=32, n_head_kv=8, n_ff=8192, n_vocab=128256, tied=True),
    "llama3.2-3b": dict(n_embd=3072, n_layer=28, n_head=24, n_head_kv=8, n_ff=8192, n_vocab=128256, tied=True),
    "llama3.1-8b": dict(n_embd=4096, n_layer=32, n_head=32, n_head_kv=8, n_ff=14336, n_vocab=128256, tied=False),
    "tiny": dict(n_embd=256, n_layer=2, n_head=4, n_head_kv=2, n_ff=512, n_vocab=2000, tied=True),  # smoke test
}
ALIGN = 32
T_U32, T_F32, T_STR, T_ARR = 4, 6, 8, 9
GGML_F32, GGML_F16 = 0, 1
CHUNK = 64 << 20

# f16 high byte: keep the sign and the top two mantissa bits, force exponent 01001
# (2^-6), so every weight is +-[1/64, 1/32).
F16_HIGH = bytes(((b & 0x83) | 0x24) for b in range(256))


def s(text):
    b = text.encode()
    return struct.pack("<Q", len(b)) + b


def kv(key, vtype, payload):
    return s(key) + struct.pack("<I", vtype) + payload


def kv_u32(key, v):
    return kv(key, T_U32, struct.pack("<I", v))


def kv_f32(key, v):
    return kv(key, T_F32, struct.pack("<f", v))


def kv_str(key, v):
    return kv(key, T_STR, s(v))


def kv_arr(key, etype, items):
    return kv(key, T_ARR, struct.pack("<IQ", etype, len(items)) + b"".join(items))


# Words the benchmarks' prompts use: with every prefix of "▁word" in the vocabulary,
# SentencePiece merges them into one token each, so a prompt's token count is realistic.
WORDS = ("the quick brown fox jumps over a lazy dog while seven bright stars shine above quiet hills "
         "and rivers flow to distant seas run once upon time there was little girl named she loved "
         "play hello world def return for in if not break key value line lines headers copy file").split()


def vocabulary(n):
    """<unk> <s> </s>, the 256 byte tokens, letters and word pieces, then made-up tokens."""
    tokens = ["<unk>", "<s>", "</s>"] + [f"<0x{i:02X}>" for i in range(256)]
    pieces = {"\u2581"} | set("abcdefghijklmnopqrstuvwxyz")
    for w in WORDS:
        pieces |= {"\u2581" + w[:k] for k in range(1, len(w) + 1)}
    pieces = sorted(pieces, key=lambda p: (len(p), p))
    scores = [0.0] * len(tokens) + [float(len(p)) for p in pieces]
    tokens += pieces
    filler = n - len(tokens)
    tokens += [f"\u2581t{i}" for i in range(filler)]
    scores += [-1.0 - i for i in range(filler)]
    types = [2, 3, 3] + [6] * 256 + [1] * (n - 259)  # unknown, control, byte, normal
    return tokens, scores, types


def metadata(shape):
    c = shape
    tokens, scores, types = vocabulary(c["n_vocab"])
    head_dim = c["n_embd"] // c["n_head"]
    return [
        kv_str("general.architecture", "llama"),
        kv_str("general.name", "synthetic"),
        kv_u32("general.file_type", 1),  # mostly F16
        kv_u32("llama.context_length", 8192),
        kv_u32("llama.embedding_length", c["n_embd"]),
        kv_u32("llama.block_count", c["n_layer"]),
        kv_u32("llama.feed_forward_length", c["n_ff"]),
        kv_u32("llama.attention.head_count", c["n_head"]),
        kv_u32("llama.attention.head_count_kv", c["n_head_kv"]),
        kv_u32("llama.rope.dimension_count", head_dim),
        kv_f32("llama.rope.freq_base", 500000.0),
        kv_f32("llama.attention.layer_norm_rms_epsilon", 1e-5),
        kv_u32("llama.vocab_size", c["n_vocab"]),
        kv_str("tokenizer.ggml.model", "llama"),
        kv_arr("tokenizer.ggml.tokens", T_STR, [s(t) for t in tokens]),
        kv_arr("tokenizer.ggml.scores", T_F32, [struct.pack("<f", x) for x in scores]),
        kv_arr("tokenizer.ggml.token_type", 5, [struct.pack("<i", t) for t in types]),
        kv_u32("tokenizer.ggml.bos_token_id", 1),
        kv_u32("tokenizer.ggml.eos_token_id", 2),
        kv_u32("tokenizer.ggml.unknown_token_id", 0),
    ]


def tensors(shape):
    """(name, dims as GGUF lists them (fastest first), ggml type)."""
    c = shape
    kv_dim = c["n_embd"] // c["n_head"] * c["n_head_kv"]
    out = [("token_embd.weight", [c["n_embd"], c["n_vocab"]], GGML_F16)]
    for i in range(c["n_layer"]):
        b = f"blk.{i}."
        out += [(b + "attn_norm.weight", [c["n_embd"]], GGML_F32),
                (b + "attn_q.weight", [c["n_embd"], c["n_embd"]], GGML_F16),
                (b + "attn_k.weight", [c["n_embd"], kv_dim], GGML_F16),
                (b + "attn_v.weight", [c["n_embd"], kv_dim], GGML_F16),
                (b + "attn_output.weight", [c["n_embd"], c["n_embd"]], GGML_F16),
                (b + "ffn_norm.weight", [c["n_embd"]], GGML_F32),
                (b + "ffn_gate.weight", [c["n_embd"], c["n_ff"]], GGML_F16),
                (b + "ffn_up.weight", [c["n_embd"], c["n_ff"]], GGML_F16),
                (b + "ffn_down.weight", [c["n_ff"], c["n_embd"]], GGML_F16)]
    out.append(("output_norm.weight", [c["n_embd"]], GGML_F32))
    if not c["tied"]:
        out.append(("output.weight", [c["n_embd"], c["n_vocab"]], GGML_F16))
    return out


def nbytes(dims, ttype):
    n = 1
    for d in dims:
        n *= d
    return n * (4 if ttype == GGML_F32 else 2)


def pad(n):
    return (ALIGN - n % ALIGN) % ALIGN


def write_data(f, size, ttype):
    if ttype == GGML_F32:  # norms: ones
        f.write(struct.pack("<f", 1.0) * (size // 4))
        return
    left = size
    while left:
        chunk = bytearray(os.urandom(min(CHUNK, left)))
        chunk[1::2] = bytes(chunk[1::2]).translate(F16_HIGH)
        f.write(chunk)
        left -= len(chunk)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("shape", choices=sorted(SHAPES))
    ap.add_argument("out")
    args = ap.parse_args()
    shape = SHAPES[args.shape]
    kvs = metadata(shape)
    infos, offset = [], 0
    for name, dims, ttype in tensors(shape):
        infos.append((name, dims, ttype, offset))
        size = nbytes(dims, ttype)
        offset += size + pad(size)
    tmp = args.out + ".tmp"
    with open(tmp, "wb") as f:
        f.write(b"GGUF" + struct.pack("<IQQ", 3, len(infos), len(kvs)))
        for k in kvs:
            f.write(k)
        for name, dims, ttype, off in infos:
            f.write(s(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims)
                    + struct.pack("<IQ", ttype, off))
        f.write(b"\0" * pad(f.tell()))
        for i, (name, dims, ttype, _) in enumerate(infos):
            size = nbytes(dims, ttype)
            write_data(f, size, ttype)
            f.write(b"\0" * pad(size))
            print(f"\r{args.shape}: tensor {i + 1}/{len(infos)}", end="", file=sys.stderr, flush=True)
    os.replace(tmp, args.out)
    print(f"\nwrote {args.out} ({offset / 2**30:.2f} GiB of weights)", file=sys.stderr)


if __name__ == "__main__":
    main()
