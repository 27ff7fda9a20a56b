#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs the local AWS tooling into .venv,
# checks formatting and lints, builds every function as it ships (`sam build`), starts the
# moto server on a free loopback port, runs every test, and stops moto again.
set -euo pipefail
cd "$(dirname "$0")/.."
export SAM_CLI_TELEMETRY=0
# A run from a clean clone rebuilds everything once: incremental caches only cost disk
# (several GB for the test binaries) and time. Set CARGO_INCREMENTAL=1 to keep them.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
mkdir -p .tmp

# A clean run's target/ grows to about 8 GB (debug tests, release functions): say so up
# front instead of failing half an hour in with "No space left on device".
free_kb=$(df -Pk . | awk 'NR == 2 { print $4 }')
if [ "${free_kb:-0}" -lt $((10 * 1024 * 1024)) ]; then
  echo "warning: $((free_kb / 1024)) MB free here; a clean run needs about 10 GB" >&2
fi

echo "==> tooling (.venv)"
scripts/setup-venv.sh
export PATH="$PWD/.venv/bin:$PATH"

echo "==> cargo fmt --check"
cargo fmt --all -- --check

echo "==> cargo clippy"
cargo clippy --workspace --all-targets --locked --quiet -- -D warnings

echo "==> sam validate --lint"
sam validate --lint --template-file template.yaml

echo "==> function binaries (one release build of all of them)"
if ! scripts/build-functions.sh > .tmp/functions-build.log 2>&1; then
  cat .tmp/functions-build.log
  exit 1
fi
tail -n 1 .tmp/functions-build.log

echo "==> sam build (x86_64: the only Rust target installed here; arm64 is the deploy default)"
if ! sam build --parameter-overrides Architecture=x86_64 > .tmp/sam-build.log 2>&1; then
  cat .tmp/sam-build.log
  exit 1
fi
tail -n 3 .tmp/sam-build.log

echo "==> cargo test (with the moto server)"
rm -rf target/test-logs
scripts/with-moto.sh cargo test --workspace --locked 2>&1 | tee .tmp/cargo-test.log
# One closing line for the whole run (cargo's own last line is its last test binary's).
awk '/^test result:/ { passed += $4; failed += $6 } END { printf "tests: %d passed, %d failed\n", passed, failed }' .tmp/cargo-test.log

echo "==> no bearer token in any log of the run"
# Every function log the emulator tests wrote, and the test output itself: a JWT (header and
# claims are base64url JSON objects, so they start with eyJ) must never appear in them.
shopt -s nullglob
function_logs=(target/test-logs/*.log)
if [ "${#function_logs[@]}" -lt 10 ]; then
  echo "only ${#function_logs[@]} function logs in target/test-logs: the emulator tests did not run"; exit 1
fi
status=0
grep -lE 'eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}' .tmp/cargo-test.log "${function_logs[@]}" || status=$?
case $status in
  1) echo "checked $(( ${#function_logs[@]} + 1 )) logs: no token" ;;
  0) echo "a token was logged (files above)"; exit 1 ;;
  *) echo "could not read the logs (grep exit $status)"; exit 1 ;;
esac

echo "==> the portal in a real browser (Debian's Chromium, headless)"
scripts/setup-browser.sh
cargo build -p dossier-local --locked --quiet
.venv-browser/bin/python tests/browser/portal.py target/debug/dossier-local
