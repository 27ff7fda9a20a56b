#!/usr/bin/env bash
# The browser tests' tools, none of which downloads a browser of its own:
#   chromium           Debian's package (installed here if missing and we are root)
#   .venv-browser      Playwright for Python, driving that Chromium, and cryptography for the
#                      test identity provider (scripts/requirements-browser.txt)
#   web/node_modules   axe-core, the accessibility checker, and the package web/vendor/ copies
#                      (web/package-lock.json)
# Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium > /dev/null; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "Debian's chromium is needed: sudo apt-get install -y chromium" >&2
    exit 1
  fi
  echo "installing Debian's chromium"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium > /dev/null
fi

venv=.venv-browser
reqs=scripts/requirements-browser.txt
marker="$venv/.installed-$(sha256sum "$reqs" | cut -c1-16)"
if [ ! -f "$marker" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$reqs"
  touch "$marker"
fi

lock_marker="web/node_modules/.installed-$(sha256sum web/package-lock.json | cut -c1-16)"
if [ ! -f "$lock_marker" ]; then
  (cd web && npm ci --no-audit --no-fund --silent)
  touch "$lock_marker"
fi
