#!/usr/bin/env bash
# Every function binary template.yaml names, in one release build (`cargo lambda build`,
# as `sam build` runs it: same packages, same features, same profile). Cargo then links
# them two at a time, and the per-function builds `sam build` runs next find them fresh.
# Output in target/lambda/<binary>/bootstrap. Extra arguments go to cargo lambda.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t binaries < <(sed -n 's/^ *Binary: *\([a-z0-9-]*\) *$/\1/p' template.yaml)
if [ "${#binaries[@]}" -eq 0 ]; then
  echo "template.yaml names no Binary" >&2
  exit 1
fi
args=()
for binary in "${binaries[@]}"; do
  args+=(--bin "$binary")
done
cargo lambda build --release "${args[@]}" "$@"
