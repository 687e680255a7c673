#!/usr/bin/env bash
# `phrase` on PostgreSQL, which cannot say it (SQL + recheck: each word as a
# `text` condition, then every candidate rechecked), against `text` of the
# same words, which it can: generates RECORDS clusters with a top-level
# `description` (a field of the document, as a List Clusters record has
# it), loads them with `siftql load`, and times `siftql query` for both,
# RUNS times each, alternating; prints the medians and the ratio. The counts
# must agree (every "gpu images" phrase is also that substring here).
# Loopback only; the table and files it makes are removed.
#
#   SIFTQL_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test \
#   bash benches/phrase.sh [RECORDS] [RUNS]          # 200000 7
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-200000}"; runs="${2:-7}"
url="${SIFTQL_TEST_POSTGRES_URL:?set SIFTQL_TEST_POSTGRES_URL}"

cargo build -q --release -p siftql-cli
cargo build -q --release -p siftql --example gen_clusters
dir="$(mktemp -d)"
table="siftql_phrase_$$"
cleanup() {
  rm -rf "$dir"
  psql -q "$url" -c "DROP TABLE IF EXISTS $table" 2>/dev/null || true
}
trap cleanup EXIT
./target/release/examples/gen_clusters "$n" | python3 -c '
import json, sys
for line in sys.stdin:
    r = json.loads(line)
    r["description"] = r.get("metadata", {}).get("description")
    print(json.dumps(r, separators=(",", ":")))
' > "$dir/clusters.jsonl"
./target/release/siftql load --no-progress --db "$url" --table "$table" "$dir/clusters.jsonl"
psql -q "$url" -c "ANALYZE $table"

siftql=./target/release/siftql
text='description text "gpu images"'
phrase='description phrase "gpu images"'
a="$("$siftql" query --db "$url" --table "$table" "$text" | wc -l)"
b="$("$siftql" query --db "$url" --table "$table" "$phrase" | wc -l)"
[ "$a" = "$b" ] || { echo "text matched $a, phrase $b" >&2; exit 1; }
echo "$n records; both match $a"
t_text=(); t_phrase=()
for _ in $(seq "$runs"); do
  for which in text phrase; do
    f="$text"; [ "$which" = phrase ] && f="$phrase"
    /usr/bin/time -o "$dir/t" -f "%e" "$siftql" query --db "$url" --table "$table" "$f" > /dev/null
    if [ "$which" = text ]; then t_text+=("$(cat "$dir/t")"); else t_phrase+=("$(cat "$dir/t")"); fi
  done
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
mt="$(median "${t_text[@]}")"; mp="$(median "${t_phrase[@]}")"
awk -v t="$mt" -v p="$mp" 'BEGIN { printf "text %.2f s, phrase %.2f s (medians): phrase / text = %.2f\n", t, p, p / t }'
