#!/usr/bin/env bash
# `make bench`: builds every function and the two floors as they ship
# (`cargo lambda build --release`, what `sam build` runs), then measures them side by side
# under the Lambda Runtime Interface Emulator against moto. Writes bench/results.md.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-venv.sh
export PATH="$PWD/.venv/bin:$PATH"
echo "==> cargo lambda build --release: the floors and every function"
cargo lambda build --release --bin floor-echo --bin floor-getitem --quiet
scripts/build-functions.sh --quiet
scripts/with-moto.sh cargo run --quiet -p dossier-bench
