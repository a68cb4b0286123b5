"""Prompt-lookup speculative decoding (option ngram_draft, LOKAL_NGRAM_DRAFT):
drafted tokens are verified by the model in the same batch, so the output is
exactly what decoding without drafts gives, and /metrics reports how many
drafts the model confirmed."""

import re

import pytest

from lokal_helpers import error_of

# stories260K repeats itself under greedy decoding: a good case for lookup.
PROMPT = "Once upon a time, there was a little girl named Lily. She loved to play"


def gen(api, model, **options):
    r = api.post("/api/generate", {"model": model, "prompt": PROMPT, "stream": False,
                                   "options": {"num_predict": 96, "temperature": 0, **options}})
    assert r.status_code == 200, r.text
    return r.json()


def counter(api, name):
    text = api.get("/metrics").text
    m = re.search(rf"^{name} (\S+)$", text, re.M)
    assert m, f"{name} missing from /metrics"
    return float(m.group(1))


def test_drafts_never_change_the_output(api, stories):
    plain = gen(api, stories, ngram_draft=0)
    drafted0 = counter(api, "lokal_draft_tokens_total")
    accepted0 = counter(api, "lokal_draft_accepted_tokens_total")
    fast = gen(api, stories, ngram_draft=8)
    assert fast["response"] == plain["response"]
    assert fast["eval_count"] == plain["eval_count"] == 96
    drafted = counter(api, "lokal_draft_tokens_total") - drafted0
    accepted = counter(api, "lokal_draft_accepted_tokens_total") - accepted0
    assert drafted > 0, "nothing was drafted"
    assert 0 < accepted <= drafted, (accepted, drafted)


@pytest.mark.parametrize("n", [1, 3, 16])
def test_same_output_for_any_draft_length_and_with_a_seed(api, stories, n):
    plain = gen(api, stories, ngram_draft=0, temperature=0.7, seed=11)
    assert gen(api, stories, ngram_draft=n, temperature=0.7, seed=11)["response"] == plain["response"]


def test_drafts_respect_num_predict_and_stop(api, stories):
    full = gen(api, stories, ngram_draft=0)["response"]
    short = gen(api, stories, ngram_draft=8, num_predict=5)
    assert short["eval_count"] == 5
    stop = full.split()[6]
    cut = gen(api, stories, ngram_draft=8, stop=[stop])
    assert cut["response"] == full[:full.index(stop)]


def test_streamed_tokens_match(api, stories):
    plain = gen(api, stories, ngram_draft=0)["response"]
    r, items = api.stream("/api/generate", {"model": stories, "prompt": PROMPT,
                                            "options": {"num_predict": 96, "temperature": 0, "ngram_draft": 8}})
    assert "".join(i["response"] for i in items) == plain


def test_out_of_range_is_refused(api, stories):
    r = api.post("/api/generate", {"model": stories, "prompt": "x", "stream": False,
                                   "options": {"ngram_draft": 65}})
    assert r.status_code == 400
    assert error_of(r) == 'option "ngram_draft" must be between 0 and 64, got 65'
