#!/usr/bin/env python3
"""Writes a tiny Gemma 3 text model with random weights whose embedding
width matches ../shared/models/mmproj-tinygemma3.gguf (projection_dim 128),
so the pair exercises the vision path (llama.cpp's mtmd) end to end. Its
output is gibberish: it is for plumbing tests only.

Pure Python (struct + random), no numpy: GGUF v3, F32 tensors, a small
SentencePiece-style vocabulary with byte fallback and Gemma's special tokens
(<start_of_image> and <end_of_image> included, which mtmd puts around an
image).

usage: make-tiny-gemma3.py OUT.gguf [--seed N]
"""

import argparse
import random
import struct

N_EMBD = 128        # must equal clip.vision.projection_dim of the projector
N_LAYER = 2
N_FF = 256
N_HEAD = 4
N_HEAD_KV = 1
HEAD_DIM = 32
N_CTX = 2048
ALIGN = 32

T_U32, T_I32, T_F32, T_BOOL, T_STR, T_ARR = 4, 5, 6, 7, 8, 9
GGML_F32 = 0

SPECIAL = ["<pad>", "<eos>", "<bos>", "<unk>", "<start_of_turn>", "<end_of_turn>",
           "<start_of_image>", "<end_of_image>"]
WORDS = ["\u2581", "\u2581the", "\u2581a", "\u2581cat", "\u2581dog", "\u2581image", "\u2581is", "\u2581of",
         "\u2581hello", "\u2581world", "user", "model", "\n"]


def vocab():
    tokens, scores, types = [], [], []
    for i, t in enumerate(SPECIAL):
        tokens.append(t)
        scores.append(0.0)
        types.append(2 if t == "<unk>" else 3)  # unknown, control
    for b in range(256):
        tokens.append(f"<0x{b:02X}>")
        scores.append(0.0)
        types.append(6)  # byte
    for i, w in enumerate(WORDS + [chr(c) for c in range(ord("a"), ord("z") + 1)]):
        tokens.append(w)
        scores.append(-float(i))
        types.append(1)  # normal
    return tokens, scores, types


def s(text: str) -> bytes:
    b = text.encode()
    return struct.pack("<Q", len(b)) + b


def kv(key, vtype, value) -> bytes:
    out = s(key) + struct.pack("<I", vtype)
    if vtype == T_STR:
        return out + s(value)
    if vtype == T_ARR:
        etype, items = value
        out += struct.pack("<IQ", etype, len(items))
        for it in items:
            out += s(it) if etype == T_STR else struct.pack({T_F32: "<f", T_I32: "<i"}[etype], it)
        return out
    return out + struct.pack({T_U32: "<I", T_F32: "<f", T_BOOL: "<?"}[vtype], value)


def gauss(rng, std, *shape):
    """Random values for a tensor of this shape."""
    n = 1
    for d in shape:
        n *= d
    return [rng.gauss(0.0, std) for _ in range(n)]


def tensors(rng, n_vocab):
    """(name, shape as GGUF lists it: fastest dimension first, values)."""
    def rand(*shape):
        return gauss(rng, 0.02, *shape)

    def ones(n):
        return [1.0] * n

    out = [("token_embd.weight", [N_EMBD, n_vocab], rand(N_EMBD, n_vocab)),
           ("output_norm.weight", [N_EMBD], ones(N_EMBD))]
    for i in range(N_LAYER):
        p = f"blk.{i}."
        out += [
            (p + "attn_norm.weight", [N_EMBD], ones(N_EMBD)),
            (p + "attn_q.weight", [N_EMBD, N_HEAD * HEAD_DIM], rand(N_EMBD, N_HEAD * HEAD_DIM)),
            (p + "attn_k.weight", [N_EMBD, N_HEAD_KV * HEAD_DIM], rand(N_EMBD, N_HEAD_KV * HEAD_DIM)),
            (p + "attn_v.weight", [N_EMBD, N_HEAD_KV * HEAD_DIM], rand(N_EMBD, N_HEAD_KV * HEAD_DIM)),
            (p + "attn_output.weight", [N_HEAD * HEAD_DIM, N_EMBD], rand(N_HEAD * HEAD_DIM, N_EMBD)),
            (p + "attn_q_norm.weight", [HEAD_DIM], ones(HEAD_DIM)),
            (p + "attn_k_norm.weight", [HEAD_DIM], ones(HEAD_DIM)),
            (p + "post_attention_norm.weight", [N_EMBD], ones(N_EMBD)),
            (p + "ffn_norm.weight", [N_EMBD], ones(N_EMBD)),
            (p + "ffn_gate.weight", [N_EMBD, N_FF], rand(N_EMBD, N_FF)),
            (p + "ffn_up.weight", [N_EMBD, N_FF], rand(N_EMBD, N_FF)),
            (p + "ffn_down.weight", [N_FF, N_EMBD], rand(N_FF, N_EMBD)),
            (p + "post_ffw_norm.weight", [N_EMBD], ones(N_EMBD)),
        ]
    return out


def write_gguf(path, meta, ts):
    """GGUF v3: header, the metadata entries, tensor infos, aligned F32 data."""
    infos, blobs, offset = b"", [], 0
    for name, shape, values in ts:
        infos += s(name) + struct.pack("<I", len(shape)) + b"".join(struct.pack("<Q", d) for d in shape)
        infos += struct.pack("<IQ", GGML_F32, offset)
        data = struct.pack(f"<{len(values)}f", *values)
        data += b"\0" * ((-len(data)) % ALIGN)
        blobs.append(data)
        offset += len(data)
    head = b"GGUF" + struct.pack("<IQQ", 3, len(ts), len(meta)) + b"".join(meta) + infos
    head += b"\0" * ((-len(head)) % ALIGN)
    with open(path, "wb") as f:
        f.write(head)
        for b in blobs:
            f.write(b)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    toks, scores, types = vocab()
    meta = [
        kv("general.architecture", T_STR, "gemma3"),
        kv("general.name", T_STR, "tiny-gemma3-random"),
        kv("gemma3.context_length", T_U32, N_CTX),
        kv("gemma3.embedding_length", T_U32, N_EMBD),
        kv("gemma3.block_count", T_U32, N_LAYER),
        kv("gemma3.feed_forward_length", T_U32, N_FF),
        kv("gemma3.attention.head_count", T_U32, N_HEAD),
        kv("gemma3.attention.head_count_kv", T_U32, N_HEAD_KV),
        kv("gemma3.attention.key_length", T_U32, HEAD_DIM),
        kv("gemma3.attention.value_length", T_U32, HEAD_DIM),
        kv("gemma3.attention.layer_norm_rms_epsilon", T_F32, 1e-6),
        kv("gemma3.rope.freq_base", T_F32, 10000.0),
        kv("tokenizer.ggml.model", T_STR, "llama"),
        kv("tokenizer.ggml.tokens", T_ARR, (T_STR, toks)),
        kv("tokenizer.ggml.scores", T_ARR, (T_F32, scores)),
        kv("tokenizer.ggml.token_type", T_ARR, (T_I32, types)),
        kv("tokenizer.ggml.bos_token_id", T_U32, 2),
        kv("tokenizer.ggml.eos_token_id", T_U32, 1),
        kv("tokenizer.ggml.unknown_token_id", T_U32, 3),
        kv("tokenizer.ggml.padding_token_id", T_U32, 0),
        kv("tokenizer.ggml.add_bos_token", T_BOOL, True),
        kv("tokenizer.ggml.add_eos_token", T_BOOL, False),
    ]
    write_gguf(args.out, meta, tensors(rng, len(toks)))


if __name__ == "__main__":
    main()
