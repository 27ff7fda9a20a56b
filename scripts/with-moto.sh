#!/usr/bin/env bash
# Runs a command with the moto server (the local AWS emulator) on a free loopback port,
# exported as DOSSIER_TEST_AWS_ENDPOINT, and stops moto afterwards whatever happens.
# Usage: scripts/with-moto.sh COMMAND [ARGS...]   (expects .venv from setup-venv.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .tmp
port=$(.venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
.venv/bin/python scripts/moto-server.py 127.0.0.1 "$port" > .tmp/moto.log 2>&1 &
moto_pid=$!
trap 'kill "$moto_pid" 2>/dev/null || true; wait "$moto_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  if curl -fsS -o /dev/null "http://127.0.0.1:$port/moto-api/"; then break; fi
  kill -0 "$moto_pid" 2>/dev/null || { cat .tmp/moto.log; exit 1; }
  sleep 0.1
done
export DOSSIER_TEST_AWS_ENDPOINT="http://127.0.0.1:$port"
echo "moto on $DOSSIER_TEST_AWS_ENDPOINT"
"$@"
