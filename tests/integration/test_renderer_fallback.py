"""RENDERER names Ollama's built-in renderers (qwen3-coder, …), which lokal
does not implement: the model's TEMPLATE renders instead or, without one,
the GGUF's own Jinja chat template; the server says once which."""

from gguf_write import with_extra_str
from lokal_helpers import STORIES_GGUF

RENDERER = "some-unknown-name"
# (The comment keeps it over 100 edits away from every template Ollama names,
# which create would otherwise install as its TEMPLATE.)
JINJA = ("{#- a template for lokal's test of RENDERER names it does not implement; it is not chatml, nor "
         "llama, nor gemma, nor any other template with a name that Ollama would detect -#}"
         "{% for m in messages %}<{{ m['role'] }}>{{ m['content'] }}</{{ m['role'] }}>{% endfor %}"
         "{% if add_generation_prompt %}<assistant>{% endif %}")
LINE = 'RENDERER "some-unknown-name" is not implemented; using '


def render(api, model):
    r = api.post("/api/chat", {"model": model, "messages": [{"role": "user", "content": "Hi there"}],
                               "stream": False, "_debug_render_only": True})
    assert r.status_code == 200, r.text
    return r.json()["_debug_info"]["rendered_template"]


def test_unknown_renderer_without_template_uses_the_gguf_jinja(api, server, tmp_path):
    # (Gemma 3 270M's GGUF carries no chat template: the stories weights get one.)
    path = tmp_path / "jinja.gguf"
    with_extra_str(STORIES_GGUF, path, "tokenizer.chat_template", JINJA)
    api.create("jinja-renderer", files={"m.gguf": api.push_blob(path)}, renderer=RENDERER)
    assert api.post("/api/show", {"model": "jinja-renderer"}).json().get("renderer") == RENDERER
    out = render(api, "jinja-renderer")
    assert out == "<user>Hi there</user><assistant>", out
    render(api, "jinja-renderer")
    log = server.log_path.read_text(errors="replace")
    assert log.count("jinja-renderer:latest: " + LINE + "the GGUF's own chat template (Jinja)") == 1, log[-2000:]


def test_unknown_renderer_with_template_uses_the_template(api, server):
    api.create("stories-renderer", files={"m.gguf": api.push_blob(STORIES_GGUF)}, renderer=RENDERER,
               template="T: {{ .Prompt }}")
    assert render(api, "stories-renderer") == "T: Hi there"
    log = server.log_path.read_text(errors="replace")
    assert log.count("stories-renderer:latest: " + LINE + "its TEMPLATE") == 1, log[-2000:]
