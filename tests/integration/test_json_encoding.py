"""Every answer is written as Ollama's Go server writes JSON (encoding/json):
"<", ">" and "&" as \\u escapes and Go's float forms ("1e-7", not "1e-07"),
on native and /v1 bodies and on errors alike."""


def test_show_is_encoded_like_go(api, gemma_chat):
    r = api.post("/api/show", {"model": gemma_chat})
    assert r.status_code == 200, r.text
    assert "\\u003cstart_of_turn\\u003e" in r.text and "<start_of_turn>" not in r.text
    # Go writes 1e-6 as 0.000001 (its exponent form starts below 1e-6).
    assert '"gemma3.attention.layer_norm_rms_epsilon":0.000001,' in r.text


def test_rendered_prompt_is_encoded_like_go(api, gemma_chat):
    r = api.post("/api/chat", {"model": gemma_chat, "messages": [{"role": "user", "content": "a & b"}],
                               "stream": False, "_debug_render_only": True})
    assert r.status_code == 200, r.text
    assert "\\u003cstart_of_turn\\u003euser\\na \\u0026 b" in r.text


def test_errors_are_encoded_like_go(api):
    r = api.post("/api/copy", {"source": "a", "destination": "<b>&"})
    assert r.status_code == 400, r.text
    assert r.text == '{"error":"destination \\"\\u003cb\\u003e\\u0026\\" is invalid"}'
    r = api.post("/v1/chat/completions", {"model": "m", "messages": [{"role": "user", "content": "hi"}],
                                          "response_format": {"type": "<x>"}})
    assert r.status_code == 400, r.text
    assert "'\\u003cx\\u003e'" in r.text and "<" not in r.text
