#!/usr/bin/env bash
# `make bloat`: what each dependency adds to the shipped binaries, per crate, against the
# floor (`cargo bloat --crates` on the release profile, symbols kept so they can be
# attributed). Writes bench/bloat.md. Not part of `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo-bloat > /dev/null || cargo install cargo-bloat --locked --quiet
# A separate target dir: the shipped binaries are stripped, these keep their symbols.
export CARGO_TARGET_DIR="$PWD/target/bloat" CARGO_PROFILE_RELEASE_STRIP=none
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
bins=(floor-getitem get-record create-record create-upload ingest-document)
for bin in "${bins[@]}"; do
  echo "==> cargo bloat --release -p $bin --crates"
  cargo bloat --release -p "$bin" --crates -n 0 --message-format json > "$out/$bin.json"
done
python3 - "$out" "${bins[@]}" > bench/bloat.md <<'PY'
import json, sys
out, bins = sys.argv[1], sys.argv[2:]
data = {b: json.load(open(f"{out}/{b}.json")) for b in bins}
crates = {b: {c["name"]: c["size"] for c in d["crates"]} for b, d in data.items()}
floor = crates["floor-getitem"]
kib = lambda n: f"{n / 1024:.0f}"
print("Per-crate `.text` of the release binaries (`cargo bloat --crates`, symbols kept; its")
print("attribution of inlined generic code is approximate), in KiB, and what each function")
print("adds to `floor-getitem`. Only crates that add at least 8 KiB to some function are listed.\n")
print("| crate | floor-getitem | " + " | ".join(f"{b} (+)" for b in bins[1:]) + " |")
print("|---|---:|" + "---:|" * (len(bins) - 1))
names = set().union(*crates.values())
rows = []
for name in names:
    adds = [crates[b].get(name, 0) - floor.get(name, 0) for b in bins[1:]]
    if max(adds) >= 8 * 1024:
        rows.append((max(adds), name, adds))
for _, name, adds in sorted(rows, reverse=True):
    cells = " | ".join(f"{kib(crates[b].get(name, 0))} ({'+' if a >= 0 else ''}{kib(a)})" for b, a in zip(bins[1:], adds))
    print(f"| {name} | {kib(floor.get(name, 0))} | {cells} |")
text = lambda b: data[b]["text-section-size"]
print("| **.text in all** | " + kib(text("floor-getitem")) + " | " + " | ".join(
    f"{kib(text(b))} (+{kib(text(b) - text('floor-getitem'))})" for b in bins[1:]) + " |")
PY
cat bench/bloat.md
