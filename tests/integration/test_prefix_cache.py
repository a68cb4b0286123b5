"""The prompt cache across requests, seen through /metrics: a follow-up turn
reuses the conversation so far, and with Gemma 3's sliding-window layers
(whose cache keeps only the last window plus a batch) a prefix whose window
is gone is evaluated again rather than reused with missing context."""

from lokal_helpers import HTTP_TIMEOUT
from test_metrics import scrape

CACHED = ("lokal_cached_prompt_tokens_total", "")
GREEDY = {"temperature": 0, "num_predict": 8, "num_ctx": 4096}


def generate(api, model, prompt):
    """(response text, prompt_eval_count, cached prompt tokens) of one request."""
    before = scrape(api)[CACHED]
    r = api.post("/api/generate", {"model": model, "prompt": prompt, "raw": True, "stream": False,
                                   "options": GREEDY}, timeout=HTTP_TIMEOUT)
    assert r.status_code == 200, r.text
    body = r.json()
    return body["response"], body["prompt_eval_count"], scrape(api)[CACHED] - before


def story(topic, sentences):
    return " ".join(f"Sentence {i} of the long story about {topic} goes on and on." for i in range(sentences))


def test_follow_up_reuses_the_conversation(api, gemma_chat):
    first = [{"role": "user", "content": "Name three rivers in Europe."}]
    r = api.post("/api/chat", {"model": gemma_chat, "messages": first, "stream": False, "options": GREEDY},
                 timeout=HTTP_TIMEOUT)
    assert r.status_code == 200, r.text
    one = r.json()
    before = scrape(api)[CACHED]
    turns = first + [one["message"], {"role": "user", "content": "And three in Asia?"}]
    r = api.post("/api/chat", {"model": gemma_chat, "messages": turns, "stream": False, "options": GREEDY},
                 timeout=HTTP_TIMEOUT)
    assert r.status_code == 200, r.text
    two = r.json()
    cached = scrape(api)[CACHED] - before
    # Ollama counts the whole prompt; lokal evaluated only what is new.
    assert two["prompt_eval_count"] > one["prompt_eval_count"]
    assert cached >= one["prompt_eval_count"] - 1, (cached, one["prompt_eval_count"])


def test_prefix_past_the_sliding_window_is_evaluated_again(api, gemma_base):
    shared = "A note before the stories begins here and is shared by both of them. "
    long_prompt = shared + story("mountains", 100)   # more than Gemma 3's 512-token window + a batch
    _, long_count, _ = generate(api, gemma_base, long_prompt)
    assert long_count > 1100, long_count

    other = shared + "Then a short, different ending about the sea:"
    text, _, cached = generate(api, gemma_base, other)
    # The shared start is in the cache of the full layers, but the window
    # layers have dropped it: reusing it would read missing context.
    assert cached == 0, cached
    # Evaluated whole, the answer is the one a fresh cache gives (the second
    # run reuses its own prefix completely).
    again, _, cached_again = generate(api, gemma_base, other)
    assert cached_again > 0
    assert again == text
