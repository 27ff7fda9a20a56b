#!/usr/bin/env bash
# `make bench`: builds every function and the two floors as they ship
# (`cargo lambda build --release`, what `sam build` runs), then measures them side by side
# under the Lambda Runtime Interface Emulator against moto. Writes bench/results.md.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-venv.sh
export PATH="$PWD/.venv/bin:$PATH"
for bin in floor-echo floor-getitem create-record get-record list-records update-record delete-record get-history \
    create-upload list-documents get-document get-agency put-agency public-list-agencies public-get-agency public-list-records public-get-record public-get-document submit-request get-request update-request get-request-history get-request-messages public-get-request add-request-message add-request-release list-requests public-list-requests public-request-stats ingest-document anchor-chains request-deadlines; do
  echo "==> cargo lambda build --release --bin $bin"
  cargo lambda build --release --bin "$bin" --quiet
done
scripts/with-moto.sh cargo run --quiet -p dossier-bench
