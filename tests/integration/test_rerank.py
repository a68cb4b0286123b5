"""POST /api/rerank and /v1/rerank (llama-server's /v1/rerank, Jina/Cohere
shape) with a generated tiny reranker (scripts/make-tiny-reranker.py: Qwen3
architecture, rank pooling, a yes/no classifier head, random weights). The
scores mean nothing; what is tested is the path and the wire shape."""

import subprocess
import sys

import pytest

from lokal_helpers import REPO, error_of

DOCS = ["the cat is a cat", "hello world", "a dog of the world", "image"]


@pytest.fixture(scope="module")
def reranker(api, tmp_path_factory):
    path = tmp_path_factory.mktemp("rerank") / "tiny-reranker.gguf"
    subprocess.run([sys.executable, str(REPO / "scripts" / "make-tiny-reranker.py"), str(path)], check=True,
                   timeout=120)
    api.create("tiny-reranker", files={"tiny-reranker.gguf": api.push_blob(path)})
    return "tiny-reranker"


def rerank(api, path="/api/rerank", **body):
    return api.post(path, body)


def test_rerank_shape_and_order(api, reranker):
    r = rerank(api, model=reranker, query="cat", documents=DOCS)
    assert r.status_code == 200, r.text[:300]
    body = r.json()
    assert list(body) == ["model", "object", "usage", "results"]
    assert body["model"] == reranker and body["object"] == "list"
    assert body["usage"]["prompt_tokens"] == body["usage"]["total_tokens"] > len(DOCS)
    results = body["results"]
    assert sorted(x["index"] for x in results) == list(range(len(DOCS)))
    scores = [x["relevance_score"] for x in results]
    assert scores == sorted(scores, reverse=True)
    # The head's softmax: P("yes") of each pair, not all equal.
    assert all(0.0 < s < 1.0 for s in scores) and len(set(scores)) > 1
    assert all(set(x) == {"index", "relevance_score"} for x in results)


def test_scores_do_not_depend_on_the_batch(api, reranker):
    together = {x["index"]: x["relevance_score"]
                for x in rerank(api, model=reranker, query="dog", documents=DOCS).json()["results"]}
    # Equal up to float rounding (batched matrix products sum in another
    # order); attention leaking between the sequences would move far more.
    for i, doc in enumerate(DOCS[:2]):
        alone = rerank(api, model=reranker, query="dog", documents=[doc]).json()["results"][0]
        assert alone["index"] == 0 and alone["relevance_score"] == pytest.approx(together[i], abs=5e-3)
    other = {x["index"]: x["relevance_score"]
             for x in rerank(api, model=reranker, query="hello", documents=DOCS).json()["results"]}
    assert other != together  # the query matters


def test_top_n_and_documents(api, reranker):
    full = rerank(api, model=reranker, query="cat", documents=DOCS).json()["results"]
    r = rerank(api, model=reranker, query="cat", documents=[{"text": d} for d in DOCS], top_n=2,
               return_documents=True)
    assert r.status_code == 200, r.text[:300]
    top = r.json()["results"]
    assert [x["index"] for x in top] == [x["index"] for x in full[:2]]
    assert all(x["document"] == {"text": DOCS[x["index"]]} for x in top)
    assert len(rerank(api, model=reranker, query="cat", documents=DOCS, top_n=99).json()["results"]) == len(DOCS)


def test_v1_rerank_same_body(api, reranker):
    native = rerank(api, model=reranker, query="cat", documents=DOCS).json()
    v1 = rerank(api, "/v1/rerank", model=reranker, query="cat", documents=DOCS)
    assert v1.status_code == 200 and v1.json()["results"] == native["results"]


@pytest.mark.parametrize("path", ["/api/rerank", "/v1/rerank"])
def test_tei_shape(api, reranker, path):
    # "texts" makes it Hugging Face TEI's request, as llama-server reads it:
    # the answer is TEI's bare array with "score", best first.
    jina = {x["index"]: x["relevance_score"]
            for x in rerank(api, model=reranker, query="cat", documents=DOCS).json()["results"]}
    r = rerank(api, path, model=reranker, query="cat", texts=DOCS)
    assert r.status_code == 200, r.text[:300]
    body = r.json()
    assert isinstance(body, list) and all(list(x) == ["index", "score"] for x in body), body
    assert sorted(x["index"] for x in body) == list(range(len(DOCS)))
    assert [x["score"] for x in body] == sorted(jina.values(), reverse=True)
    assert all(x["score"] == jina[x["index"]] for x in body)
    top = rerank(api, path, model=reranker, query="cat", texts=DOCS, return_text=True, top_n=2).json()
    assert [x["index"] for x in top] == [x["index"] for x in body[:2]]
    assert all(list(x) == ["index", "score", "text"] and x["text"] == DOCS[x["index"]] for x in top)
    # With "documents" as well, those are ranked, still answered as TEI.
    both = rerank(api, path, model=reranker, query="cat", texts=["unused"], documents=DOCS).json()
    assert isinstance(both, list) and len(both) == len(DOCS)
    r = rerank(api, path, model=reranker, query="cat", texts=[])
    err = r.json()["error"]
    assert r.status_code == 400
    assert (err["message"] if path == "/v1/rerank" else err) == '"documents" must be a non-empty string array'


@pytest.mark.parametrize("body, needle", [
    ({"documents": DOCS}, '"query" must be provided'),
    ({"query": 3, "documents": DOCS}, '"query" must be a string'),
    ({"query": "q", "documents": []}, '"documents" must be a non-empty string array'),
    ({"query": "q", "documents": [1]}, '"documents" must be a non-empty string array'),
    ({"query": "q", "documents": DOCS, "top_n": 0}, "top_n"),
    ({"query": "q", "documents": ["x"] * 1025}, "too many documents"),
])
def test_bad_requests(api, reranker, body, needle):
    r = rerank(api, model=reranker, **body)
    assert r.status_code == 400 and needle in error_of(r), r.text[:300]
    r = rerank(api, "/v1/rerank", model=reranker, **body)
    err = r.json()["error"]
    assert r.status_code == 400 and err["type"] == "invalid_request_error" and needle in err["message"]


def test_model_without_reranker_head(api, reranker, stories):
    r = rerank(api, model=stories, query="q", documents=DOCS)
    assert r.status_code == 400 and "does not support reranking" in error_of(r)
    r = rerank(api, "/v1/rerank", model="no-such-model", query="q", documents=DOCS)
    assert r.status_code == 404 and r.json()["error"]["type"] == "not_found_error"
    # And the reranker refuses to embed.
    r = api.post("/api/embed", {"model": reranker, "input": "x"})
    assert r.status_code == 400 and "reranker" in error_of(r)
