#!/usr/bin/env bash
# `make bench-search`: builds the search function as it ships (`cargo lambda build
# --release`, what `sam build` runs) and the benchmark (release: indexing is measured in
# it), then runs it against moto. Writes bench/search-results.md.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-venv.sh
export PATH="$PWD/.venv/bin:$PATH"
echo "==> cargo lambda build --release --bin search"
cargo lambda build --release --bin search --quiet
RUST_LOG="${RUST_LOG:-warn}" scripts/with-moto.sh cargo run --release --quiet -p dossier-bench-search
