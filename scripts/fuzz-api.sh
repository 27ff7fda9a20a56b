#!/usr/bin/env bash
# A longer property-based run of the API against openapi.yaml: the schemathesis test of
# `make test` (tests/tests/schemathesis.rs, the local server in-process), with more
# examples per operation and a random seed, which it prints so a failure can be replayed
# with DOSSIER_FUZZ_SEED=<seed>.
#   scripts/fuzz-api.sh                 # 500 examples per operation, random seed
#   EXAMPLES=2000 SEED=42 scripts/fuzz-api.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-venv.sh
export DOSSIER_FUZZ_EXAMPLES="${EXAMPLES:-500}"
export DOSSIER_FUZZ_SEED="${SEED:-random}"
echo "==> schemathesis: $DOSSIER_FUZZ_EXAMPLES examples per operation, seed $DOSSIER_FUZZ_SEED"
exec cargo test -p dossier-tests --test schemathesis -- --nocapture the_api_keeps_its_contract
