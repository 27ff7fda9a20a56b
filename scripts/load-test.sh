#!/usr/bin/env bash
# Load test of the local server: 64 concurrent connections for DURATION (default 30s),
# 32 reading one record (GET) and 32 creating records (POST), loopback only, with `hey`
# (Debian's package; installed if missing). Then checks that every acknowledged write
# (every 201) is there by counting records through the API. Not part of `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-30s}
command -v hey > /dev/null || { apt-get update -qq && apt-get install -y -qq hey > /dev/null; }

cargo build --release --quiet -p dossier-local
bin=target/release/dossier-local
data=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
RUST_LOG=warn "$bin" serve --port "$port" --data "$data" > "$data/server.log" 2>&1 &
server=$!
trap 'kill -INT $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 1 50); do curl -s -o /dev/null "127.0.0.1:$port/" && break; sleep 0.1; done

token=$("$bin" token --sub load --agency load --roles clerk --data "$data")
auth="authorization: Bearer $token"
base="http://127.0.0.1:$port"
id=$(curl -s "$base/records" -H "$auth" -H 'content-type: application/json' \
  -d '{"title": "read me", "classification": "public"}' | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')

hey -z "$DURATION" -c 32 -H "$auth" "$base/records/$id" > "$data/get.txt" &
reads=$!
hey -z "$DURATION" -c 32 -m POST -H "$auth" -T application/json \
  -d '{"title": "load", "classification": "internal", "tags": ["load"]}' "$base/records" > "$data/post.txt"
wait $reads

summary() { # name file
  python3 - "$1" "$2" <<'PY'
import re, sys
name, text = sys.argv[1], open(sys.argv[2]).read()
rps = re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)
pct = dict(re.findall(r"\s+(\d+)%% in ([\d.]+) secs".replace("%%", "%"), text))
codes = dict(re.findall(r"\[(\d+)\]\s+(\d+) responses", text))
errors = re.search(r"Error distribution:(.*)", text, re.S)
print(f"| {name} | {float(rps):.0f} | {float(pct['50'])*1000:.2f} ms | {float(pct['99'])*1000:.2f} ms | {codes} |")
if errors:
    print("errors:", errors.group(1).strip()[:500])
PY
}
echo "| route | requests/s | p50 | p99 | status codes |"
echo "|---|---|---|---|---|"
summary "GET /records/{id}" "$data/get.txt"
summary "POST /records" "$data/post.txt"

created=$(grep -oE '\[201\][[:space:]]+[0-9]+' "$data/post.txt" | awk '{print $2}')
python3 - "$base" "$token" "${created:-0}" <<'PY'
import json, sys, urllib.request
base, token, created = sys.argv[1], sys.argv[2], int(sys.argv[3])
count, cursor = 0, None
while True:
    url = f"{base}/records?tag=load&limit=100" + (f"&cursor={cursor}" if cursor else "")
    page = json.load(urllib.request.urlopen(urllib.request.Request(url, headers={"authorization": f"Bearer {token}"})))
    count += len(page["items"])
    cursor = page["next_cursor"]
    if not cursor:
        break
print(f"acknowledged writes (201): {created}; records found: {count}")
sys.exit(0 if count == created else 1)
PY
