"""GET /metrics: Prometheus text format 0.0.4, counters fed by real requests."""

import re

from lokal_helpers import HTTP_TIMEOUT

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$')


def scrape(api) -> dict:
    """{(name, labels-text): value} for every sample; checks the framing."""
    r = api.get("/metrics")
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    out = {}
    for line in r.text.splitlines():
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            continue
        m = SAMPLE.match(line)
        assert m, f"not a sample line: {line!r}"
        out[(m.group(1), m.group(2) or "")] = float(m.group(3))
    return out


def requests_for(samples: dict, route: str, code: int) -> float:
    return samples.get(("lokal_requests_total", f'{{route="{route}",code="{code}"}}'), 0.0)


def test_families_declared(api):
    r = api.get("/metrics")
    for name, kind in (("requests_total", "counter"), ("prompt_tokens_total", "counter"),
                       ("cached_prompt_tokens_total", "counter"), ("generated_tokens_total", "counter"),
                       ("request_duration_seconds", "summary"), ("models_loaded", "gauge"),
                       ("queue_pending", "gauge"), ("slots_busy", "gauge"), ("model_load_seconds", "summary")):
        assert f"# TYPE lokal_{name} {kind}\n" in r.text, name
        assert f"# HELP lokal_{name} " in r.text, name


def test_generate_is_counted(api, stories):
    before = scrape(api)
    body = {"model": stories, "prompt": "Once upon a time", "stream": False,
            "options": {"num_predict": 3, "temperature": 0}}
    r = api.post("/api/generate", body, timeout=HTTP_TIMEOUT)
    assert r.status_code == 200, r.text
    final = r.json()
    assert final["eval_count"] == 3
    after = scrape(api)

    def delta(name):
        return after[(name, "")] - before[(name, "")]

    assert delta("lokal_generated_tokens_total") == 3
    assert delta("lokal_prompt_tokens_total") == final["prompt_eval_count"]
    assert 0 <= delta("lokal_cached_prompt_tokens_total") <= final["prompt_eval_count"]
    assert delta("lokal_request_duration_seconds_count") == 1
    assert delta("lokal_request_duration_seconds_sum") > 0
    assert requests_for(after, "/api/generate", 200) == requests_for(before, "/api/generate", 200) + 1
    assert after[("lokal_models_loaded", "")] >= 1
    assert after[("lokal_model_load_seconds_count", "")] >= 1
    assert after[("lokal_queue_pending", "")] == 0
    assert after[("lokal_slots_busy", "")] >= 0


def test_streamed_chat_is_counted(api, stories):
    before = scrape(api)
    body = {"model": stories, "messages": [{"role": "user", "content": "Hi"}],
            "options": {"num_predict": 2, "temperature": 0}}
    r, items = api.stream("/api/chat", body)
    assert r.status_code == 200
    final = items[-1]
    after = scrape(api)
    assert (after[("lokal_generated_tokens_total", "")] - before[("lokal_generated_tokens_total", "")]
            == final["eval_count"])
    assert requests_for(after, "/api/chat", 200) == requests_for(before, "/api/chat", 200) + 1


def test_unknown_model_counted_as_404(api):
    before = scrape(api)
    r = api.post("/api/generate", {"model": "no-such-model-for-metrics", "prompt": "hi"})
    assert r.status_code == 404
    after = scrape(api)
    assert requests_for(after, "/api/generate", 404) == requests_for(before, "/api/generate", 404) + 1
    # the scrape itself is counted too, after it is answered
    assert requests_for(after, "/metrics", 200) >= 1
