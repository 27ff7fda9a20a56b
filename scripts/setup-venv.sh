#!/usr/bin/env bash
# Creates .venv with the local AWS tooling the tests need (moto server, SAM CLI with the
# Lambda Runtime Interface Emulator, cfn-lint, cargo-lambda). Idempotent: a second run
# only checks the marker. Versions are pinned so a fresh machine gets what CI tested.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
REQS=scripts/requirements.txt
marker="$VENV/.installed-$(sha256sum "$REQS" | cut -c1-16)"
if [ -f "$marker" ]; then exit 0; fi
python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$REQS"
touch "$marker"
