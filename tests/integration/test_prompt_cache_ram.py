"""The host-RAM prompt cache (LOKAL_PROMPT_CACHE): with more conversations
than slots, a conversation whose slot went to another one is saved, and its
next turn is restored from RAM instead of evaluated again, giving the answer
a fresh evaluation gives. Gemma 3's sliding-window layers hold only the last
window of a long history; its saved state still continues that history.

Two servers of this module's own with one slot each, on the session
server's store: one with the cache (the default), one without."""

import pytest

from lokal_helpers import HTTP_TIMEOUT, Api, LokalServer
from test_metrics import scrape

CACHED = ("lokal_cached_prompt_tokens_total", "")
RESTORED = ("lokal_restored_prompt_tokens_total", "")
GREEDY = {"temperature": 0, "num_predict": 8, "num_ctx": 4096}


def story(topic, sentences):
    return " ".join(f"Sentence {i} of the long story about {topic} goes on and on." for i in range(sentences))


@pytest.fixture(scope="module")
def servers(binary, server, gemma_base, tmp_path_factory):
    """{"cache": Api, "none": Api}: one slot each, the prompt cache on and off."""
    out, started = {}, []
    for name, env in (("cache", {}), ("none", {"LOKAL_PROMPT_CACHE": "0"})):
        s = LokalServer(binary, tmp_path_factory.mktemp(f"prompt-cache-{name}"),
                        extra_env={"LOKAL_NUM_PARALLEL": "1", "LOKAL_MODELS": str(server.models_dir), **env})
        s.start()
        started.append(s)
        out[name] = Api(s.url)
    yield out
    for s in started:
        s.stop()


def generate(api, model, prompt):
    """(response, prompt tokens reused, of those restored from RAM)."""
    before = scrape(api)
    r = api.post("/api/generate", {"model": model, "prompt": prompt, "raw": True, "stream": False,
                                   "options": GREEDY}, timeout=HTTP_TIMEOUT)
    assert r.status_code == 200, r.text
    after = scrape(api)
    return r.json()["response"], after[CACHED] - before[CACHED], after[RESTORED] - before[RESTORED]


@pytest.mark.parametrize("sentences", [20, 100], ids=["short", "past-the-window"])
def test_a_conversation_that_lost_its_slot_resumes_from_ram(servers, gemma_base, sentences):
    a = f"Mountains, part {sentences}. " + story("mountains", sentences)
    b = f"Seas, part {sentences}. " + story("the sea", sentences)
    # The reference: without other chats the conversation keeps its slot.
    reply, _, _ = generate(servers["none"], gemma_base, a)
    turn_two = a + reply + " Then the next part of it began."
    kept, cached_kept, _ = generate(servers["none"], gemma_base, turn_two)
    assert cached_kept > len(a.split()), cached_kept

    # With the cache, another chat takes the only slot in between.
    assert generate(servers["cache"], gemma_base, a)[0] == reply
    generate(servers["cache"], gemma_base, b)
    text, cached, restored = generate(servers["cache"], gemma_base, turn_two)
    assert restored == cached == cached_kept
    assert text == kept


def test_off_means_evaluated_again(servers, gemma_base):
    a, b = "Forests. " + story("forests", 30), "Deserts. " + story("deserts", 30)
    reply, _, _ = generate(servers["none"], gemma_base, a)
    generate(servers["none"], gemma_base, b)
    _, cached, restored = generate(servers["none"], gemma_base, a + reply + " And then?")
    assert restored == 0
    assert cached < 5, cached  # the start-of-text token at most
