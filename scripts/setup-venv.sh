#!/usr/bin/env bash
# Creates the Python tooling the tests need, pinned so a fresh machine gets what CI tested:
#   .venv       moto server, SAM CLI (with the Lambda Runtime Interface Emulator), cfn-lint,
#               cargo-lambda, schemathesis  (scripts/requirements.txt)
#   .venv-lint  checkov and check-jsonschema, whose pins clash with the SAM CLI's
#               (scripts/requirements-lint.txt)
# Idempotent: a second run only checks the markers.
set -euo pipefail
cd "$(dirname "$0")/.."

install() {
  local venv=$1 reqs=$2
  local marker="$venv/.installed-$(sha256sum "$reqs" | cut -c1-16)"
  if [ -f "$marker" ]; then return 0; fi
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$reqs"
  touch "$marker"
}

install "${VENV:-.venv}" scripts/requirements.txt
install "${LINT_VENV:-.venv-lint}" scripts/requirements-lint.txt
