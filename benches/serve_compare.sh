#!/usr/bin/env bash
# Two builds of `siftql serve` side by side under the same load: for each
# binary, RECORDS generated clusters loaded into a database of its own
# (SQLite, with the answer cache; then PostgreSQL from
# SIFTQL_TEST_POSTGRES_URL, where nothing is cached), and wrk (2 threads,
# CLIENTS keep-alive connections, SECONDS) with the five bodies of
# benches/serve_load.lua in turn. Prints p50, p99, requests/s and errors
# per binary and database. Loopback only; needs wrk.
#
#   bash benches/serve_compare.sh OLD_SIFTQL NEW_SIFTQL [RECORDS] [CLIENTS] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
a="$1"; b="$2"; n="${3:-100000}"; clients="${4:-16}"; seconds="${5:-10}"
command -v wrk >/dev/null || { echo "wrk is not installed"; exit 1; }

cargo build -q --release -p siftql --example gen_clusters
dir="$(mktemp -d)"
pid=
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
./target/release/examples/gen_clusters "$n" > "$dir/clusters.jsonl"

run() { # label binary db table
  : > "$dir/serve.log"
  "$2" serve --db "$3" --table "$4" --addr 127.0.0.1:0 --load "$dir/clusters.jsonl" 2> "$dir/serve.log" &
  pid=$!
  for _ in $(seq 3000); do grep -q "listening on" "$dir/serve.log" 2>/dev/null && break; sleep 0.1; done
  url="$(sed -n 's/.*listening on //p' "$dir/serve.log")"
  [ -n "$url" ] || { cat "$dir/serve.log"; exit 1; }
  # Warm: every body once.
  wrk -t1 -c1 -d2s -s benches/serve_load.lua "$url" > /dev/null
  printf '%-8s %-10s ' "$1" "${3%%:*}"
  wrk -t2 -c"$clients" -d"${seconds}s" --timeout 60s -s benches/serve_load.lua "$url" | tail -1
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

echo "$n records, $clients connections, ${seconds}s each, the five bodies in turn"
run old "$a" "sqlite:$dir/a.db" clusters
run new "$b" "sqlite:$dir/b.db" clusters
if [ -n "${SIFTQL_TEST_POSTGRES_URL:-}" ]; then
  t="siftql_cmp_$$"
  run old "$a" "$SIFTQL_TEST_POSTGRES_URL" "${t}_a"
  run new "$b" "$SIFTQL_TEST_POSTGRES_URL" "${t}_b"
  psql "$SIFTQL_TEST_POSTGRES_URL" -qc "DROP TABLE IF EXISTS ${t}_a, ${t}_b" 2>/dev/null || true
fi
