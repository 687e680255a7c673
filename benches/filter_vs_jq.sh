#!/usr/bin/env bash
# `siftql filter` against jq and a hand-written typed-serde Rust program, on
# the same generated JSON Lines, in one run. Prints wall time, peak RSS and
# the number of matches of each (they must agree).
#
#   bash benches/filter_vs_jq.sh [RECORDS]     # default 200000 (~120 MB)
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-200000}"
command -v jq >/dev/null || { apt-get update -qq && apt-get install -y -qq jq; }
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time; }

cargo build -q --release -p siftql-cli
cargo build -q --release -p siftql --example gen_clusters --example typed_filter
data="${TMPDIR:-/tmp}/siftql-bench-$n.jsonl"
[ -s "$data" ] || ./target/release/examples/gen_clusters "$n" > "$data"
echo "input: $n records, $(du -m "$data" | cut -f1) MB"

dsl='status = "completed" and num_clusters >= 10 and algorithm in ["kmeans", "hdbscan"] and not cluster_name starts with "faces" and hierarchical_vector = true'
jqf='select(((.status // "") | ascii_downcase) == "completed" and (.num_clusters // -1) >= 10 and (((.algorithm // "") | ascii_downcase) as $a | $a == "kmeans" or $a == "hdbscan") and ((((.cluster_name // "") | ascii_downcase) | startswith("faces")) | not) and .hierarchical_vector == true)'

run() { # name, command...
  local name="$1"; shift
  local stats; stats=$( { /usr/bin/time -f "%e %M" "$@" < "$data" | wc -l > /tmp/siftql-bench-count; } 2>&1 | tail -1)
  printf '%-14s %8.2f s  %8d KB peak RSS  %s matches\n' "$name" "${stats% *}" "${stats#* }" "$(cat /tmp/siftql-bench-count)"
}

for _ in 1 2; do cat "$data" > /dev/null; done  # warm the page cache
run "siftql filter" ./target/release/siftql filter "$dsl"
run "typed serde" ./target/release/examples/typed_filter
run "jq" jq -c "$jqf"
