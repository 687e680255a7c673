#!/usr/bin/env bash
# siftql's SQL against hand-written SQL of the same meaning, with siftql's
# indexes: generates RECORDS clusters, loads them with `siftql load` (which
# creates the indexes, with those of the JSON columns metadata and
# input_collections) into a SQLite file and, when their URLs are set,
# PostgreSQL and MariaDB, then runs examples/sql_shapes.rs on each (medians
# of RUNS runs, the ratio siftql / hand-written, and each one's share of a
# full scan). Loopback only; the tables and files it makes are removed.
#
#   SIFTQL_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test \
#   SIFTQL_TEST_MYSQL_URL=mysql://root@127.0.0.1:3306/test \
#   bash benches/sql_shapes.sh [RECORDS] [RUNS]          # 200000 7
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-200000}"; runs="${2:-7}"
features=sqlite,postgres,mysql

cargo build -q --release -p siftql-cli
cargo build -q --release -p siftql --example gen_clusters
cargo build -q --release -p siftql --features "$features" --example sql_shapes
dir="$(mktemp -d)"
table="siftql_shapes_$$"
cleanup() {
  rm -rf "$dir"
  if [ -n "${SIFTQL_TEST_POSTGRES_URL:-}" ]; then psql -q "$SIFTQL_TEST_POSTGRES_URL" -c "DROP TABLE IF EXISTS $table" 2>/dev/null || true; fi
  if [ -n "${SIFTQL_TEST_MYSQL_URL:-}" ]; then mariadb -uroot -h127.0.0.1 test -e "DROP TABLE IF EXISTS $table" 2>/dev/null || true; fi
}
trap cleanup EXIT
./target/release/examples/gen_clusters "$n" > "$dir/clusters.jsonl"

urls=("sqlite:$dir/shapes.db")
[ -n "${SIFTQL_TEST_POSTGRES_URL:-}" ] && urls+=("$SIFTQL_TEST_POSTGRES_URL")
[ -n "${SIFTQL_TEST_MYSQL_URL:-}" ] && urls+=("$SIFTQL_TEST_MYSQL_URL")
for url in "${urls[@]}"; do
  echo "== $url ($n records)"
  /usr/bin/time -f "load + indexes: %e s, peak RSS %M KB" \
    ./target/release/siftql load --no-progress --db "$url" --table "$table" \
      --json-index metadata --json-index input_collections "$dir/clusters.jsonl"
  case "$url" in
    postgres*) psql -q "$url" -c "ANALYZE $table" ;;
    mysql*) mariadb -uroot -h127.0.0.1 test -e "ANALYZE TABLE $table" > /dev/null ;;
    sqlite*) ;;
  esac
  ./target/release/examples/sql_shapes "$url" "$table" "$runs"
done
