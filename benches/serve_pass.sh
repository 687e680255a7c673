#!/usr/bin/env bash
# An uncached List Clusters request against one `SELECT COUNT(*)` of the
# same filter: generates RECORDS clusters, loads them with `siftql load`
# (indexes included) into a SQLite file and, when their URLs are set,
# PostgreSQL and MariaDB, then runs server/examples/one_pass.rs on each
# (medians of RUNS runs of the five requests of benches/serve_load.py).
# Loopback only; the tables and files it makes are removed.
#
#   SIFTQL_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test \
#   SIFTQL_TEST_MYSQL_URL=mysql://root@127.0.0.1:3306/test \
#   bash benches/serve_pass.sh [RECORDS] [RUNS]          # 100000 9
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-100000}"; runs="${2:-9}"

cargo build -q --release -p siftql-cli
cargo build -q --release -p siftql --example gen_clusters
cargo build -q --release -p siftql-server --example one_pass
dir="$(mktemp -d)"
table="siftql_pass_$$"
cleanup() {
  rm -rf "$dir"
  if [ -n "${SIFTQL_TEST_POSTGRES_URL:-}" ]; then psql -q "$SIFTQL_TEST_POSTGRES_URL" -c "DROP TABLE IF EXISTS $table" 2>/dev/null || true; fi
  if [ -n "${SIFTQL_TEST_MYSQL_URL:-}" ]; then mariadb -uroot -h127.0.0.1 test -e "DROP TABLE IF EXISTS $table" 2>/dev/null || true; fi
}
trap cleanup EXIT
./target/release/examples/gen_clusters "$n" > "$dir/clusters.jsonl"

urls=("sqlite:$dir/pass.db")
[ -n "${SIFTQL_TEST_POSTGRES_URL:-}" ] && urls+=("$SIFTQL_TEST_POSTGRES_URL")
[ -n "${SIFTQL_TEST_MYSQL_URL:-}" ] && urls+=("$SIFTQL_TEST_MYSQL_URL")
for url in "${urls[@]}"; do
  echo "== $url ($n records)"
  ./target/release/siftql load --no-progress --db "$url" --table "$table" "$dir/clusters.jsonl"
  case "$url" in
    postgres*) psql -q "$url" -c "ANALYZE $table" ;;
    mysql*) mariadb -uroot -h127.0.0.1 test -e "ANALYZE TABLE $table" > /dev/null ;;
    sqlite*) ;;
  esac
  ./target/release/examples/one_pass "$url" "$table" "$runs"
done
