#!/usr/bin/env bash
# `siftql serve` under load: generates RECORDS clusters, loads them into a
# fresh SQLite file, starts the server on a loopback port and runs
# benches/serve_load.py (CLIENTS concurrent clients for SECONDS each, first
# the 20-condition filter alone, then a mix), once with the answer cache and
# once without; with the cache also wrk (benches/serve_load.lua, the same
# bodies) when installed, as its client costs less than Python's. Bounded in time (a request in flight at the deadline is
# waited for); loopback only.
#
#   bash benches/serve_load.sh [RECORDS] [CLIENTS] [SECONDS]   # 100000 16 10
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-100000}"; clients="${2:-16}"; seconds="${3:-10}"

cargo build -q --release -p siftql-cli
cargo build -q --release -p siftql --example gen_clusters
dir="$(mktemp -d)"
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
./target/release/examples/gen_clusters "$n" > "$dir/clusters.jsonl"
pid=
serve() { # extra serve arguments...
  : > "$dir/serve.log"
  ./target/release/siftql serve --db "sqlite:$dir/load.db" --addr 127.0.0.1:0 "$@" 2> "$dir/serve.log" &
  pid=$!
  for _ in $(seq 1200); do grep -q "listening on" "$dir/serve.log" 2>/dev/null && break; sleep 0.1; done
  url="$(sed -n 's/.*listening on //p' "$dir/serve.log")"
  [ -n "$url" ] || { cat "$dir/serve.log"; exit 1; }
}
serve --load "$dir/clusters.jsonl"
echo "$n records on SQLite, $url; with the answer cache (the default), warmed:"
python3 benches/serve_load.py "$url" "$clients" "$seconds" --warm
if command -v wrk >/dev/null; then
  echo "the same with wrk (2 threads, $clients connections), 20-condition filter, then the mix:"
  BODIES=1 wrk -t2 -c"$clients" -d"${seconds}s" -s benches/serve_load.lua "$url" | tail -1
  wrk -t2 -c"$clients" -d"${seconds}s" -s benches/serve_load.lua "$url" | tail -1
fi
kill "$pid"; wait "$pid" 2>/dev/null || true
serve --cache-entries 0
echo "without the cache (--cache-entries 0): every request runs its SQL"
python3 benches/serve_load.py "$url" "$clients" "$seconds"
