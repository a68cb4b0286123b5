"""The embedded web UI: `/` for browsers, Ollama's exact text for everyone
else, the built files with their types, caching, gzip and security headers."""

from __future__ import annotations

import gzip
import re
import subprocess

import httpx
import ollama
import pytest

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def index(api):
    r = api.get("/", headers=BROWSER)
    assert r.status_code == 200, r.text[:200]
    return r


def asset_paths(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="(/[^"]+)"', html)


def test_api_clients_still_get_ollamas_text(server, api):
    assert api.get("/").text == "Ollama is running"
    assert api.get("/", headers={"Accept": "application/json"}).text == "Ollama is running"
    out = subprocess.run(["curl", "-s", server.url + "/"], capture_output=True, text=True, timeout=30)
    assert out.stdout == "Ollama is running"
    # The official client's own HTTP session (its headers, its transport).
    client = ollama.Client(host=server.url)
    r = client._client.get("/")
    assert r.text == "Ollama is running"
    assert isinstance(client.list().models, list)
    assert httpx.get(server.url + "/").text == "Ollama is running"


def test_browsers_get_the_app_with_a_strict_policy(api):
    r = index(api)
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    assert '<div id="app">' in r.text
    assert "<script>" not in r.text  # no inline script: only <script type="module" src=...>
    csp = r.headers["Content-Security-Policy"]
    for directive in ("default-src 'self'", "script-src 'self';", "img-src 'self' data: blob:",
                      "connect-src 'self'", "frame-ancestors 'none'", "object-src 'none'"):
        assert directive in csp
    assert "unsafe-eval" not in csp and "http" not in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "no-referrer"
    assert r.headers["Cache-Control"] == "no-cache"
    assert "Accept" in r.headers.get("Vary", "")


def test_no_remote_urls_in_the_built_files(api):
    html = index(api).text
    for path in asset_paths(html):
        if path.endswith((".js", ".css")):
            body = api.get(path).text
            # Fonts, styles and scripts all come from lokal: no CDN, no remote font.
            assert not re.search(r"""url\(\s*['"]?(https?:)?//""", body), path
            assert not re.search(r"""import\s*\(?\s*['"]https?://""", body), path


def test_assets_have_types_immutable_caching_etags_and_gzip(api):
    paths = asset_paths(index(api).text)
    js = next(p for p in paths if p.endswith(".js"))
    css = next(p for p in paths if p.endswith(".css"))
    r = api.get(js, headers={"Accept-Encoding": "identity"})
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert "immutable" in r.headers["Cache-Control"]
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Encoding" not in r.headers
    plain = r.content

    z = api.get(js, headers={"Accept-Encoding": "gzip"}, stream=True)
    assert z.headers["Content-Encoding"] == "gzip"
    raw = z.raw.read(decode_content=False)
    assert len(raw) < len(plain) and gzip.decompress(raw) == plain
    no = api.get(js, headers={"Accept-Encoding": "gzip;q=0"}, stream=True)
    assert "Content-Encoding" not in no.headers

    etag = r.headers["ETag"]
    again = api.get(js, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert api.get(css).headers["Content-Type"] == "text/css; charset=utf-8"
    icon = api.get("/favicon.svg")
    assert icon.status_code == 200 and icon.headers["Content-Type"] == "image/svg+xml"


def test_unknown_files_are_404(api):
    assert api.get("/assets/nope.js").status_code == 404
    assert api.get("/assets/index.js/../../etc/passwd").status_code == 404
    assert api.get("/index.html").status_code == 404  # only served at /


def test_head_of_root_is_still_empty(api):
    r = api.head("/")
    assert r.status_code == 200 and r.text == ""


@pytest.mark.parametrize("accept", ["*/*", "application/json", "text/plain"])
def test_root_without_html_accept(api, accept):
    assert api.get("/", headers={"Accept": accept}).text == "Ollama is running"
