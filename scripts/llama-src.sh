#!/usr/bin/env bash
# Puts the pinned llama.cpp source into the cache and prints its path.
#
# The pin is the source that the npm package node-llama-cpp@3.22.1 bundles
# (package/llama/gitRelease.bundle, llama.cpp 0.5.0, commit de3ff81). The tarball
# is checked against the integrity hash the npm registry publishes for it, and
# the bundle's commit against the pinned one, before anything is extracted.
# LLAMA_GIT_URL may point at a git remote holding the same commit instead
# (for example a GitHub mirror, where one is reachable); the commit is checked
# the same way.
set -euo pipefail

NPM_PACKAGE=node-llama-cpp@3.22.1
NPM_INTEGRITY=sha512-bltIipuWmc123H7tMIgDGKSsSrhmhlQYeVUC48XTjVW7XGJJiJJyCdlTMzQ/LiWoPkGDpcL4FviDpgw7qfTiDw==
LLAMA_COMMIT=de3ff815ea7d559ee917f063901b8986f038abc6

cache=${LOKAL_CACHE:-$HOME/.cache/lokal}
dest=$cache/llama.cpp-${LLAMA_COMMIT:0:7}
if [ -f "$dest/.lokal-ok" ]; then
  echo "$dest"
  exit 0
fi

mkdir -p "$cache"
work=$(mktemp -d "$cache/.llama-src.XXXXXX")
trap 'rm -rf "$work"' EXIT

if [ -n "${LLAMA_GIT_URL:-}" ]; then
  git clone -q --no-checkout "$LLAMA_GIT_URL" "$work/src" >&2
else
  (cd "$work" && npm pack --silent "$NPM_PACKAGE" >/dev/null 2>&1) || {
    echo "llama-src: could not download $NPM_PACKAGE from the npm registry" >&2
    exit 1
  }
  tgz=$(ls "$work"/node-llama-cpp-*.tgz)
  got="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
  if [ "$got" != "$NPM_INTEGRITY" ]; then
    echo "llama-src: integrity mismatch for $NPM_PACKAGE: got $got" >&2
    exit 1
  fi
  tar -xzf "$tgz" -C "$work" package/llama/gitRelease.bundle
  git clone -q --no-checkout "$work/package/llama/gitRelease.bundle" "$work/src" >&2
fi

git -C "$work/src" -c advice.detachedHead=false checkout -q "$LLAMA_COMMIT"
head=$(git -C "$work/src" rev-parse HEAD)
if [ "$head" != "$LLAMA_COMMIT" ]; then
  echo "llama-src: expected commit $LLAMA_COMMIT, got $head" >&2
  exit 1
fi

rm -rf "$dest"
mv "$work/src" "$dest"
touch "$dest/.lokal-ok"
echo "$dest"
