"""C string literals for the generated sources (embed-web.py, embed-templates.py)."""


def c_string(s: str) -> str:
    """`s` as one C/C++ string literal: printable ASCII as is; quotes,
    backslashes, `?` (no trigraphs) and every other byte as octal escapes,
    which, unlike \\x, cannot swallow a following hex digit."""
    out = []
    for ch in s:
        if ch in '"\\?' or not (32 <= ord(ch) < 127):
            out.extend(f"\\{b:03o}" for b in ch.encode())
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'
