#!/usr/bin/env bash
# The whole test suite, on a fresh machine: installs npm packages, installs and starts every real server the
# integration tests use (tools/services/*), runs unit and integration tests, and stops the servers it started.
set -euo pipefail
cd "$(dirname "$0")/.."
export NX_DAEMON=false NX_NO_CLOUD=true

[ -d node_modules ] || npm ci --no-audit --no-fund

started=()
stop_services() { for s in "${started[@]}"; do "tools/services/$s/stop" >&2 || true; done; }
trap stop_services EXIT
for s in postgres clickhouse s3 kafka; do
  [ -x "tools/services/$s/start" ] || continue
  echo "--- starting $s" >&2
  "tools/services/$s/start" >&2
  started+=("$s")
done

export FERRIS_INTEGRATION=1
node tools/test.mjs
