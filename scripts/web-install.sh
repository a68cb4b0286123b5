#!/usr/bin/env bash
# Installs the npm packages of web/ (or of the folder given, relative to the
# repository: tests/js) at exactly the locked versions. `npm ci` first;
# a registry mirror that carries only some platforms' optional packages (e.g.
# @rollup/rollup-<os>-<cpu>) leaves them out of the lockfile, which `npm ci`
# rejects as out of sync: then `npm install --no-save`, which installs the
# same locked versions without rewriting the lockfile.
set -euo pipefail
cd "$(dirname "$0")/../${1:-web}"
if ! npm ci --no-audit --no-fund --loglevel=error 2>/tmp/lokal-npm-ci.$$; then
  if grep -q "in sync" /tmp/lokal-npm-ci.$$; then
    npm install --no-save --no-audit --no-fund --loglevel=error
  else
    cat /tmp/lokal-npm-ci.$$ >&2
    rm -f /tmp/lokal-npm-ci.$$
    exit 1
  fi
fi
rm -f /tmp/lokal-npm-ci.$$
