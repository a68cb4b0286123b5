#!/usr/bin/env python3
"""A 20-turn chat: time to first token of every turn, lokal (/api/chat) against
llama-server (/v1/chat/completions, prompt cache on), same model, threads, context and
one slot. Each turn appends the previous answer and a new ~60-token user message, so a
server that reuses the KV cache of the conversation so far only evaluates the new part;
one that does not slows down turn by turn.

With --chats K, K such chats take turns on the one slot (a team sharing a server): each
turn finds the slot holding another chat, so only a cache that keeps evicted conversations
(lokal's LOKAL_PROMPT_CACHE, llama-server's --cache-ram, both on by default) avoids
evaluating the whole history again. A turn's TTFT is then the mean over the K chats.

    bench/multi_turn.py [--turns 20] [--answer-tokens 32] [--chats 1]
"""

import argparse
import os
import time

import common

TOPICS = ["rivers", "mountains", "bakeries", "trains", "gardens", "libraries", "harbors", "deserts", "forests",
          "markets"]


def user_message(turn, chat_no=0):
    topic = TOPICS[(turn + 3 * chat_no) % len(TOPICS)]
    return (f"Chat {chat_no}, turn {turn}. Tell me one more short fact about {topic}, and keep it to two sentences. "
            "Mention the color, the sound and the smell you would notice there, and say why people visit "
            f"{topic} in the early morning rather than at night.")


def chat(url, key_path, body):
    """Streams one answer; returns (ttft seconds, answer text)."""
    t0 = time.monotonic()
    first, text = None, []
    with common.post(url, body) as r:
        for obj in common.stream_lines(r):
            piece = key_path(obj)
            if piece:
                first = first or time.monotonic() - t0
                text.append(piece)
    return first if first is not None else float("nan"), "".join(text)


def run(kind, model, threads, turns, answer_tokens, ctx, chats):
    cm = common.lokal(model, threads) if kind == "lokal" else common.llama_server(model, threads, ctx=ctx)
    with cm as srv:
        conversations, ttfts = [[] for _ in range(chats)], []
        for t in range(turns):
            per_chat = []
            for c, messages in enumerate(conversations):
                messages.append({"role": "user", "content": user_message(t, c)})
                per_chat.append(turn(kind, srv, messages, answer_tokens, ctx))
            ttfts.append(sum(per_chat) / len(per_chat))
        return ttfts


def turn(kind, srv, messages, answer_tokens, ctx):
    """One turn of a chat: streams the answer, appends it, returns the TTFT."""
    if kind == "lokal":
        url = srv.base + "/api/chat"
        body = {"model": "bench", "messages": messages,
                "options": {"num_ctx": ctx, "num_predict": answer_tokens, "temperature": 0}}
        ttft, text = chat(url, lambda o: o.get("message", {}).get("content"), body)
    else:
        url = srv.base + "/v1/chat/completions"
        body = {"messages": messages, "max_tokens": answer_tokens, "temperature": 0, "stream": True}
        ttft, text = chat(url, lambda o: (o.get("choices") or [{}])[0].get("delta", {}).get("content"), body)
    messages.append({"role": "assistant", "content": text})
    return ttft


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=common.DEFAULT_MODEL)
    ap.add_argument("--turns", type=int, default=20)
    ap.add_argument("--answer-tokens", type=int, default=32)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--ctx", type=int, default=8192)
    ap.add_argument("--chats", type=int, default=1, help="chats taking turns on the one slot")
    args = ap.parse_args()
    common.check_binaries()

    lk = run("lokal", args.model, args.threads, args.turns, args.answer_tokens, args.ctx, args.chats)
    ls = run("llama-server", args.model, args.threads, args.turns, args.answer_tokens, args.ctx, args.chats)
    last = args.turns - 1
    rows = [common.row("turn 2 TTFT, s", lk[1], ls[1], False),
            common.row(f"turn {args.turns} TTFT, s", lk[last], ls[last], False),
            common.row(f"turn {args.turns} / turn 2 TTFT", lk[last] / lk[1], ls[last] / ls[1], False),
            common.row("mean TTFT over all turns, s", sum(lk) / len(lk), sum(ls) / len(ls), False)]
    m = common.meta(args.model, threads=args.threads, ctx=args.ctx, turns=args.turns,
                    answer_tokens=args.answer_tokens, chats=args.chats)
    title = f"{args.turns}-turn chat" + (f", {args.chats} chats taking turns on one slot" if args.chats > 1 else "")
    common.report("multi_turn", f"{title}, time to first token per turn", m, rows,
                  {"lokal": lk, "llama_server": ls})
    print("\nper turn (s): " + ", ".join(f"{a:.3f}/{b:.3f}" for a, b in zip(lk, ls)) + "  (lokal/llama-server)")


if __name__ == "__main__":
    main()
