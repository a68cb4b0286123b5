#!/usr/bin/env python3
"""Writes a tiny reranker with random weights: a Qwen3-architecture model
with rank pooling and a two-label classifier head ("yes", "no"), the shape of
Qwen3-Reranker GGUFs, so llama.cpp scores a query/document pair by the
softmax of the head over the last token. Scores are meaningless but
deterministic per input: it is for plumbing tests of /api/rerank only.

The GGUF writing (vocabulary, tensors, layout) is make-tiny-gemma3.py's.

usage: make-tiny-reranker.py OUT.gguf [--seed N]
"""

import argparse
import importlib.util
import random
from pathlib import Path

spec = importlib.util.spec_from_file_location("tiny_gemma3", Path(__file__).with_name("make-tiny-gemma3.py"))
g = importlib.util.module_from_spec(spec)
spec.loader.exec_module(g)

N_EMBD, N_LAYER, N_FF, N_HEAD, N_HEAD_KV, HEAD_DIM, N_CTX = 64, 2, 128, 4, 2, 16, 1024
POOLING_RANK = 4
LABELS = ["yes", "no"]
RERANK_TEMPLATE = "<bos>query: {query}\ndocument: {document}\nrelevant:"


def tensors(rng, n_vocab):
    def rand(*shape):
        return g.gauss(rng, 0.3, *shape)

    out = [("token_embd.weight", [N_EMBD, n_vocab], rand(N_EMBD, n_vocab)),
           ("output_norm.weight", [N_EMBD], [1.0] * N_EMBD),
           ("cls.output.weight", [N_EMBD, len(LABELS)], rand(N_EMBD, len(LABELS)))]
    q, kv = N_HEAD * HEAD_DIM, N_HEAD_KV * HEAD_DIM
    for i in range(N_LAYER):
        p = f"blk.{i}."
        out += [
            (p + "attn_norm.weight", [N_EMBD], [1.0] * N_EMBD),
            (p + "attn_q.weight", [N_EMBD, q], rand(N_EMBD, q)),
            (p + "attn_k.weight", [N_EMBD, kv], rand(N_EMBD, kv)),
            (p + "attn_v.weight", [N_EMBD, kv], rand(N_EMBD, kv)),
            (p + "attn_output.weight", [q, N_EMBD], rand(q, N_EMBD)),
            (p + "attn_q_norm.weight", [HEAD_DIM], [1.0] * HEAD_DIM),
            (p + "attn_k_norm.weight", [HEAD_DIM], [1.0] * HEAD_DIM),
            (p + "ffn_norm.weight", [N_EMBD], [1.0] * N_EMBD),
            (p + "ffn_gate.weight", [N_EMBD, N_FF], rand(N_EMBD, N_FF)),
            (p + "ffn_up.weight", [N_EMBD, N_FF], rand(N_EMBD, N_FF)),
            (p + "ffn_down.weight", [N_FF, N_EMBD], rand(N_FF, N_EMBD)),
        ]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    toks, scores, types = g.vocab()
    a = "qwen3"
    meta = [
        g.kv("general.architecture", g.T_STR, a),
        g.kv("general.name", g.T_STR, "tiny-reranker-random"),
        g.kv(f"{a}.context_length", g.T_U32, N_CTX),
        g.kv(f"{a}.embedding_length", g.T_U32, N_EMBD),
        g.kv(f"{a}.block_count", g.T_U32, N_LAYER),
        g.kv(f"{a}.feed_forward_length", g.T_U32, N_FF),
        g.kv(f"{a}.attention.head_count", g.T_U32, N_HEAD),
        g.kv(f"{a}.attention.head_count_kv", g.T_U32, N_HEAD_KV),
        g.kv(f"{a}.attention.key_length", g.T_U32, HEAD_DIM),
        g.kv(f"{a}.attention.value_length", g.T_U32, HEAD_DIM),
        g.kv(f"{a}.attention.layer_norm_rms_epsilon", g.T_F32, 1e-6),
        g.kv(f"{a}.rope.freq_base", g.T_F32, 10000.0),
        g.kv(f"{a}.pooling_type", g.T_U32, POOLING_RANK),
        g.kv(f"{a}.classifier.output_labels", g.T_ARR, (g.T_STR, LABELS)),
        g.kv("tokenizer.ggml.model", g.T_STR, "llama"),
        g.kv("tokenizer.ggml.tokens", g.T_ARR, (g.T_STR, toks)),
        g.kv("tokenizer.ggml.scores", g.T_ARR, (g.T_F32, scores)),
        g.kv("tokenizer.ggml.token_type", g.T_ARR, (g.T_I32, types)),
        g.kv("tokenizer.ggml.bos_token_id", g.T_U32, 2),
        g.kv("tokenizer.ggml.eos_token_id", g.T_U32, 1),
        g.kv("tokenizer.ggml.unknown_token_id", g.T_U32, 3),
        g.kv("tokenizer.ggml.padding_token_id", g.T_U32, 0),
        g.kv("tokenizer.ggml.add_bos_token", g.T_BOOL, True),
        g.kv("tokenizer.ggml.add_eos_token", g.T_BOOL, False),
        g.kv("tokenizer.chat_template.rerank", g.T_STR, RERANK_TEMPLATE),
    ]
    g.write_gguf(args.out, meta, tensors(rng, len(toks)))

if __name__ == "__main__":
    main()
