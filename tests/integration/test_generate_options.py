"""/api/generate options and request fields: stop, seed/temperature, Modelfile
parameters as defaults, and the fields that must never be silently ignored
(raw, system, template, format, suffix, think)."""

import json

import pytest

from lokal_helpers import error_of

PROMPT = "Once upon a time"


def greedy(api, model, prompt=PROMPT, n=40, **extra):
    opts = {"num_predict": n, "temperature": 0, **extra.pop("options", {})}
    return api.generate(model=model, prompt=prompt, options=opts, **extra)


# --- stop sequences ------------------------------------------------------------

def test_stop_sequence_cuts_output(api, stories):
    full = greedy(api, stories)["response"]
    words = full.split()
    assert len(words) >= 6, full
    stop = words[4]  # a word from the middle of the greedy answer
    cut = greedy(api, stories, options={"stop": [stop]})
    assert cut["done_reason"] == "stop"
    assert stop not in cut["response"], (stop, cut["response"])
    # the answer is exactly the greedy answer up to the stop text
    assert cut["response"] == full[:full.index(stop)], (stop, full, cut["response"])
    assert cut["eval_count"] < greedy(api, stories)["eval_count"]


def test_stop_sequence_streamed(api, stories):
    full = greedy(api, stories)["response"]
    stop = full.split()[5]
    r, items = api.stream("/api/generate", {"model": stories, "prompt": PROMPT,
                                            "options": {"num_predict": 40, "temperature": 0, "stop": [stop]}})
    text = "".join(i["response"] for i in items)
    assert stop not in text, (stop, text)
    assert text == full[:full.index(stop)]
    assert items[-1]["done_reason"] == "stop"


def test_multiple_stop_sequences_first_wins(api, stories):
    full = greedy(api, stories)["response"]
    words = full.split()
    a, b = words[3], words[6]
    cut = greedy(api, stories, options={"stop": [b, a]})
    first = min(full.index(a), full.index(b))
    assert cut["response"] == full[:first]


def test_stop_from_modelfile_parameters(api, stories, stories_digest):
    full = greedy(api, stories)["response"]
    stop = full.split()[4]
    api.create("stories-stop", files={"stories260K.gguf": stories_digest}, parameters={"stop": [stop]})
    cut = greedy(api, "stories-stop")
    assert cut["response"] == full[:full.index(stop)]


# --- sampling: seed and temperature --------------------------------------------

def test_temperature_zero_is_deterministic(api, stories):
    a = greedy(api, stories, n=30)
    b = greedy(api, stories, n=30)
    assert a["response"] == b["response"]


def test_seed_makes_sampling_reproducible(api, stories):
    opts = {"num_predict": 40, "temperature": 1.0, "seed": 1234}
    a = api.generate(model=stories, prompt=PROMPT, options=opts)
    b = api.generate(model=stories, prompt=PROMPT, options=opts)
    assert a["response"] == b["response"], "same seed, same options: must sample the same text"


def test_different_seeds_sample_differently(api, stories):
    # with temperature 1 on 40 tokens, five seeds cannot all give the same text
    texts = {api.generate(model=stories, prompt=PROMPT,
                          options={"num_predict": 40, "temperature": 1.0, "top_k": 0, "top_p": 1.0,
                                   "seed": seed})["response"]
             for seed in (1, 2, 3, 4, 5)}
    assert len(texts) > 1, "the seed is ignored"


def test_sampling_differs_from_greedy(api, stories):
    g = greedy(api, stories, n=40)["response"]
    texts = {api.generate(model=stories, prompt=PROMPT,
                          options={"num_predict": 40, "temperature": 1.5, "top_k": 0, "top_p": 1.0,
                                   "seed": s})["response"] for s in (7, 8, 9)}
    assert texts != {g}, "temperature is ignored: sampling gives the greedy text every time"


# --- Modelfile parameters are defaults; request options override them ----------

def test_parameters_are_defaults(api, stories_digest):
    api.create("stories-five", files={"stories260K.gguf": stories_digest},
               parameters={"num_predict": 5, "temperature": 0})
    g = api.generate(model="stories-five", prompt=PROMPT)
    assert g["eval_count"] == 5 and g["done_reason"] == "length"
    # temperature 0 came from the model too: same text as an explicit greedy request
    assert g["response"] == greedy(api, "stories-five", n=5)["response"]
    # a request option overrides the model's default
    g = api.generate(model="stories-five", prompt=PROMPT, options={"num_predict": 9})
    assert g["eval_count"] == 9


def test_num_ctx_parameter_reaches_the_runner(api, stories_digest):
    api.create("stories-ctx", files={"stories260K.gguf": stories_digest}, parameters={"num_ctx": 768})
    api.generate(model="stories-ctx", prompt=PROMPT, options={"num_predict": 1})
    ps = [m for m in api.ps() if m["name"] == "stories-ctx:latest"]
    assert ps and ps[0]["context_length"] == 768, ps


# --- fields that must be honoured or refused, never silently ignored ----------

# The prompt_eval_count comparisons below use prompts no other test sends, and
# send the variant with the shorter prompt first, so a prompt cache cannot make
# them pass or fail; Ollama counts the whole prompt anyway (cached or not).

def test_prompt_eval_count_counts_the_whole_prompt(api, stories):
    prompt = "Sue and her big brown dog ran to the old red barn."
    a = api.generate(model=stories, prompt=prompt, options={"num_predict": 2})
    b = api.generate(model=stories, prompt=prompt, options={"num_predict": 2})
    assert a["prompt_eval_count"] >= 10, a["prompt_eval_count"]
    assert b["prompt_eval_count"] == a["prompt_eval_count"], (
        "prompt_eval_count must count the whole prompt even when it was cached", a["prompt_eval_count"],
        b["prompt_eval_count"])


def test_system_is_used(api, stories_digest):
    api.create("stories-systpl", files={"stories260K.gguf": stories_digest},
               template="{{ if .System }}{{ .System }} {{ end }}{{ .Prompt }}")
    plain = api.generate(model="stories-systpl", prompt="Lily went to the zoo.", options={"num_predict": 2})
    with_sys = api.generate(model="stories-systpl", prompt="Lily went to the zoo.",
                            system="Tim and Sue had a very big dog called Max who loved the snow.",
                            options={"num_predict": 2})
    # the system text adds well over ten tokens to the rendered prompt
    assert with_sys["prompt_eval_count"] >= plain["prompt_eval_count"] + 10, (
        plain["prompt_eval_count"], with_sys["prompt_eval_count"])


def test_template_override_is_used(api, stories):
    base = api.generate(model=stories, prompt="The cat sat.", options={"num_predict": 2})
    over = api.generate(model=stories, prompt="The cat sat.", options={"num_predict": 2},
                        template="The dog ran far away from the house and hid. {{ .Prompt }}")
    assert over["prompt_eval_count"] >= base["prompt_eval_count"] + 8, (
        base["prompt_eval_count"], over["prompt_eval_count"])


def test_bad_template_override_is_400(api, stories):
    r = api.post("/api/generate", {"model": stories, "prompt": "x", "stream": False,
                                   "template": "{{ .Prompt "})
    assert r.status_code == 400, r.text
    assert "template" in error_of(r)


def test_modelfile_system_is_used(api, stories_digest):
    api.create("stories-sys", files={"stories260K.gguf": stories_digest},
               template="{{ if .System }}{{ .System }} {{ end }}{{ .Prompt }}",
               system="Tim and Sue had a very big dog called Max who loved the snow.")
    no_sys = api.generate(model="stories-sys", prompt="Lily went home.", system=" ",
                          options={"num_predict": 2})
    with_sys = api.generate(model="stories-sys", prompt="Lily went home.", options={"num_predict": 2})
    assert with_sys["prompt_eval_count"] >= no_sys["prompt_eval_count"] + 10, (
        no_sys["prompt_eval_count"], with_sys["prompt_eval_count"])


def test_modelfile_template_is_used(api, stories_digest):
    api.create("stories-wrapped", files={"stories260K.gguf": stories_digest},
               template="The dog ran far away from the house and hid. {{ .Prompt }}")
    # greedy output follows the rendered prompt: the same as raw on the rendering
    r = api.generate(model="stories-wrapped", prompt="The dog ran far away from the house and hid. The bird sang.",
                     raw=True, options={"num_predict": 8, "temperature": 0})
    plain = api.generate(model="stories-wrapped", prompt="The bird sang.", raw=True,
                         options={"num_predict": 8, "temperature": 0})
    t = api.generate(model="stories-wrapped", prompt="The bird sang.", options={"num_predict": 8, "temperature": 0})
    assert r["response"] != plain["response"], "test needs prompts that continue differently"
    assert t["response"] == r["response"], ("the model's TEMPLATE was not applied", t["response"], r["response"])
    assert t["prompt_eval_count"] >= plain["prompt_eval_count"] + 8, (
        plain["prompt_eval_count"], t["prompt_eval_count"])


def test_raw_with_system_or_template_is_400(api, stories):
    for extra in ({"system": "x"}, {"template": "{{ .Prompt }}"}, {"context": [1, 2, 3]}):
        r = api.refusal("/api/generate", {"model": stories, "prompt": "x", "raw": True,
                                          "options": {"num_predict": 2}, **extra})
        assert r.status_code == 400, (extra, r.status_code, r.text[:200])
        assert "raw" in error_of(r)


def test_format_json_is_valid_json_or_refused(api, gemma_chat):
    r = api.post("/api/generate", {
        "model": gemma_chat, "stream": False, "format": "json",
        "prompt": "Give the name and age of a person as a JSON object.",
        "options": {"num_predict": 64, "temperature": 0}})
    if r.status_code == 400:
        assert "format" in error_of(r).lower()
        return
    assert r.status_code == 200, r.text
    g = r.json()
    text = g["response"].strip()
    assert text.startswith("{"), f"format json ignored: {text[:200]!r}"
    if g["done_reason"] == "stop":
        assert isinstance(json.loads(text), dict)


def test_format_schema_is_followed_or_refused(api, gemma_chat):
    schema = {"type": "object", "properties": {"age": {"type": "integer"}, "available": {"type": "boolean"}},
              "required": ["age", "available"]}
    r = api.post("/api/generate", {
        "model": gemma_chat, "stream": False, "format": schema,
        "prompt": "Ollama is 22 years old and is busy saving the world. Respond using JSON.",
        "options": {"num_predict": 96, "temperature": 0}})
    if r.status_code == 400:
        assert "format" in error_of(r).lower() or "schema" in error_of(r).lower()
        return
    assert r.status_code == 200, r.text
    g = r.json()
    assert g["done_reason"] == "stop", f"schema output did not finish: {g['response']!r}"
    obj = json.loads(g["response"])
    assert isinstance(obj["age"], int) and isinstance(obj["available"], bool), obj


def test_format_bad_value_400(api, stories):
    r = api.refusal("/api/generate", {"model": stories, "prompt": "x", "format": "yaml",
                                      "options": {"num_predict": 2}})
    assert r.status_code == 400, r.text
    error_of(r)


def test_suffix_on_model_without_insert_is_400(api, stories):
    # stories has no fill-in-the-middle template: Ollama says it "does not support insert"
    r = api.refusal("/api/generate", {"model": stories, "prompt": "def f(a, b):", "suffix": "    return c",
                                      "options": {"num_predict": 2}})
    assert r.status_code == 400, f"suffix silently ignored? HTTP {r.status_code}: {r.text[:200]}"
    msg = error_of(r)
    assert "insert" in msg or "suffix" in msg, msg


def test_think_on_model_without_thinking_is_400(api, stories):
    r = api.refusal("/api/generate", {"model": stories, "prompt": "x", "think": True,
                                      "options": {"num_predict": 2}})
    assert r.status_code == 400, f"think silently ignored? HTTP {r.status_code}: {r.text[:200]}"
    assert "thinking" in error_of(r)


def test_images_on_text_model_are_refused(api, stories):
    # a 1x1 PNG
    png = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
    r = api.refusal("/api/generate", {"model": stories, "prompt": "what is this?", "images": [png],
                                      "options": {"num_predict": 2}})
    assert r.status_code == 400, f"images silently ignored? HTTP {r.status_code}: {r.text[:200]}"
    error_of(r)


# --- shift: what a full context does ---------------------------------------------

def test_shift_false_ends_the_answer_when_the_context_is_full(api, stories):
    """Ollama's "shift": by default a full context drops older tokens and the
    answer goes on; with "shift": false it ends there with done_reason "length",
    on generate and on chat alike."""
    # llama.cpp rounds a context up to a multiple of 256 tokens
    opts = {"num_ctx": 256, "num_predict": 300, "temperature": 0, "seed": 1}
    shifted = api.generate(model=stories, prompt=PROMPT, options=opts)
    assert shifted["eval_count"] == 300, shifted
    stopped = api.generate(model=stories, prompt=PROMPT, options=opts, shift=False)
    assert stopped["done_reason"] == "length"
    # the last token is answered but never needs a cell
    assert stopped["prompt_eval_count"] + stopped["eval_count"] == 257, stopped
    assert stopped["response"] == shifted["response"][:len(stopped["response"])]
    chat = api.chat(model=stories, messages=[{"role": "user", "content": PROMPT}], options=opts, shift=False)
    assert chat["done_reason"] == "length"
    assert chat["prompt_eval_count"] + chat["eval_count"] == 257, chat


def test_shift_must_be_a_boolean(api, stories):
    r = api.post("/api/generate", {"model": stories, "prompt": PROMPT, "shift": "no"})
    assert r.status_code == 400 and "shift" in error_of(r), r.text
