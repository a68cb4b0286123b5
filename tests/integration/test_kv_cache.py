"""Flash attention and the KV-cache type, per request/model (options, Modelfile
PARAMETER) and server-wide (LOKAL_FLASH_ATTENTION, LOKAL_KV_CACHE_TYPE): a
quantized cache halves the memory of long contexts, and settings that
llama.cpp would refuse get a clear error instead of a failed load."""

import subprocess

from lokal_helpers import STORIES_GGUF, Api, LokalServer, client_env, error_of


def gen(api, model, **options):
    return api.post("/api/generate", {"model": model, "prompt": "Why is the sky blue?", "stream": False,
                                      "options": {"num_predict": 8, "temperature": 0, **options}})


def test_quantized_cache_generates(api, gemma_base):
    for kv in ("q8_0", "q4_0", "f16"):
        r = gen(api, gemma_base, kv_cache_type=kv)
        assert r.status_code == 200, (kv, r.text)
        body = r.json()
        assert body["eval_count"] > 0 and body["response"], (kv, body)


def test_quantized_cache_needs_whole_blocks_per_head(api, stories):
    # stories260K's attention heads hold 8 values; q8_0 blocks hold 32.
    r = gen(api, stories, kv_cache_type="q8_0")
    assert r.status_code == 400, r.text
    assert error_of(r) == ("kv_cache_type q8_0 cannot be used with this model: "
                           "its attention head size (8) is not a multiple of 32")
    assert gen(api, stories).status_code == 200  # the model still loads with the default cache


def test_quantized_cache_without_flash_attention_is_refused(api, gemma_base):
    r = gen(api, gemma_base, kv_cache_type="q8_0", flash_attention=False)
    assert r.status_code == 400, r.text
    assert error_of(r) == "kv_cache_type q8_0 needs flash attention; leave flash_attention unset or true"
    assert gen(api, gemma_base, flash_attention=False).status_code == 200


def test_bad_values_name_the_option(api, stories):
    r = gen(api, stories, kv_cache_type="q3")
    assert r.status_code == 400
    assert "kv_cache_type" in error_of(r)
    r = gen(api, stories, flash_attention="yes")
    assert r.status_code == 400
    assert error_of(r) == 'option "flash_attention" must be of type boolean'


def test_modelfile_parameters_set_them_per_model(api, gemma_digest):
    api.create("gemma-q8cache", files={"gemma3-270m-q4_k_m.gguf": gemma_digest},
               parameters={"kv_cache_type": "q8_0", "flash_attention": True})
    show = api.post("/api/show", {"model": "gemma-q8cache"}).json()
    assert "kv_cache_type                  \"q8_0\"" in show["parameters"], show["parameters"]
    assert "flash_attention                true" in show["parameters"], show["parameters"]
    assert gen(api, "gemma-q8cache").status_code == 200
    # The model's parameter is a default: a request still overrides it.
    r = gen(api, "gemma-q8cache", flash_attention=False)
    assert r.status_code == 400
    assert "needs flash attention" in error_of(r)


def test_server_wide_settings(binary, tmp_path):
    srv = LokalServer(binary, tmp_path, extra_env={"LOKAL_KV_CACHE_TYPE": "q8_0"})
    srv.start()
    try:
        api = Api(srv.url)
        api.create("s", files={"stories260K.gguf": api.push_blob(STORIES_GGUF)})
        r = gen(api, "s")
        assert r.status_code == 400 and "kv_cache_type q8_0" in error_of(r), r.text
        assert gen(api, "s", kv_cache_type="f16").status_code == 200  # a request overrides the server
    finally:
        srv.stop()


def test_bad_server_settings_refuse_to_start(binary, tmp_path):
    env = client_env("127.0.0.1:0", tmp_path)
    env.update({"LOKAL_MODELS": str(tmp_path / "models"), "LOKAL_KV_CACHE_TYPE": "q3"})
    p = subprocess.run([str(binary), "serve"], env=env, capture_output=True, text=True, timeout=20)
    assert p.returncode != 0
    assert 'LOKAL_KV_CACHE_TYPE: unsupported type "q3"' in p.stderr
