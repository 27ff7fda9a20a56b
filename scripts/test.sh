#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs the local AWS tooling into .venv,
# checks formatting and lints, builds every function as it ships (`sam build`), starts the
# moto server on a free loopback port, runs every test, and stops moto again.
set -euo pipefail
cd "$(dirname "$0")/.."
export SAM_CLI_TELEMETRY=0
mkdir -p .tmp

echo "==> tooling (.venv)"
scripts/setup-venv.sh
export PATH="$PWD/.venv/bin:$PATH"

echo "==> cargo fmt --check"
cargo fmt --all -- --check

echo "==> cargo clippy"
cargo clippy --workspace --all-targets --locked --quiet -- -D warnings

echo "==> sam validate --lint"
sam validate --lint --template-file template.yaml

echo "==> sam build (x86_64: the only Rust target installed here; arm64 is the deploy default)"
if ! sam build --parameter-overrides Architecture=x86_64 > .tmp/sam-build.log 2>&1; then
  cat .tmp/sam-build.log
  exit 1
fi
tail -n 3 .tmp/sam-build.log

echo "==> moto server"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python scripts/moto-server.py 127.0.0.1 "$port" > .tmp/moto.log 2>&1 &
moto_pid=$!
trap 'kill "$moto_pid" 2>/dev/null || true; wait "$moto_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  if curl -fsS -o /dev/null "http://127.0.0.1:$port/moto-api/"; then break; fi
  kill -0 "$moto_pid" 2>/dev/null || { cat .tmp/moto.log; exit 1; }
  sleep 0.1
done
export DOSSIER_TEST_AWS_ENDPOINT="http://127.0.0.1:$port"
echo "moto on $DOSSIER_TEST_AWS_ENDPOINT"

echo "==> cargo test"
cargo test --workspace --locked 2>&1 | tee .tmp/cargo-test.log
# One closing line for the whole run (cargo's own last line is its last test binary's).
awk '/^test result:/ { passed += $4; failed += $6 } END { printf "tests: %d passed, %d failed\n", passed, failed }' .tmp/cargo-test.log
