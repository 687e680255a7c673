#!/usr/bin/env bash
# Loading speed: `siftql load` of RECORDS generated clusters (examples/
# gen_clusters.rs) against the plainest bulk load of the same lines into a
# one-column table, in the same run:
#
#   PostgreSQL  siftql load   vs  COPY … FROM STDIN into one `text` column
#   SQLite      siftql load   vs  the lines inserted into one column in one
#                                 transaction (Python's sqlite3)
#   MariaDB     siftql load   vs  LOAD DATA LOCAL INFILE into one column
#
# Prints seconds, records/s and siftql's time as a multiple of the
# baseline's for a load into a new table without indexes (`--no-index`:
# the baselines have none), the time `siftql index` then takes, and the
# time to load the same records again into the indexed table (every key
# already there: each record replaces its row). Loopback only; every step is bounded (STEP_SECONDS); the tables
# (named siftql_bench_<pid>_*) and files it creates are removed on exit.
#
#   bash benches/load.sh [RECORDS]            # 200000
#
# SIFTQL_BIN names a siftql binary to measure instead of building this tree's
# (say, one built from an earlier commit). Databases: SIFTQL_BENCH_POSTGRES_URL (default
# postgres://postgres@127.0.0.1:5432/test) and SIFTQL_BENCH_MYSQL_URL (default
# mysql://root@127.0.0.1:3306/test); set one to the empty string to skip it.
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-200000}"
step="${STEP_SECONDS:-900}"
pg="${SIFTQL_BENCH_POSTGRES_URL-postgres://postgres@127.0.0.1:5432/test}"
my="${SIFTQL_BENCH_MYSQL_URL-mysql://root@127.0.0.1:3306/test}"
target="${CARGO_TARGET_DIR:-$PWD/target}"
siftql="${SIFTQL_BIN:-$target/release/siftql}"
tag="siftql_bench_$$"

[ -n "${SIFTQL_BIN:-}" ] || cargo build -q --release -p siftql-cli
dir="$(mktemp -d)"
data="$dir/clusters.jsonl"
cleanup() {
  if [ -n "$pg" ]; then
    psql -q "$pg" -c "DROP TABLE IF EXISTS ${tag}_load, ${tag}_copy" >/dev/null 2>&1 || true
  fi
  if [ -n "$my" ]; then
    mysql_cli -e "DROP TABLE IF EXISTS ${tag}_load, ${tag}_copy" >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}
trap cleanup EXIT

# mysql://user[:password]@host[:port]/database → the mariadb client's options.
my_args=()
if [ -n "$my" ]; then
  rest="${my#*://}"; user="${rest%%@*}"; rest="${rest#*@}"
  case "$user" in *:*) export MYSQL_PWD="${user#*:}"; user="${user%%:*}" ;; esac
  db="${rest#*/}"; host="${rest%%/*}"; port=3306
  case "$host" in *:*) port="${host#*:}"; host="${host%%:*}" ;; esac
  my_args=(--protocol=tcp -h "$host" -P "$port" -u "$user" --local-infile=1 "$db")
fi
mysql_cli() { mariadb "${my_args[@]}" "$@"; }

cargo run -q --release -p siftql --example gen_clusters -- "$n" > "$data"
echo "$n records, $(($(wc -c < "$data") / 1024 / 1024)) MiB of JSON Lines"

now() { date +%s.%N; }
secs=0
# timed CMD... : runs CMD (bounded), leaves its wall time in $secs.
timed() {
  local t0 t1
  t0="$(now)"
  timeout "$step" "$@"
  t1="$(now)"
  secs="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')"
}
rate() { awk -v n="$n" -v s="$1" 'BEGIN { printf "%.0f", n / (s > 0 ? s : 0.001) }'; }
report() { # database, siftql seconds, baseline name, baseline seconds, siftql seconds again, index seconds
  local ratio again
  ratio="$(awk -v a="$2" -v b="$4" 'BEGIN { printf "%.2f", a / (b > 0 ? b : 0.001) }')"
  again="$(awk -v a="$5" -v b="$4" 'BEGIN { printf "%.2f", a / (b > 0 ? b : 0.001) }')"
  printf '%-10s siftql load %7.2f s %8s records/s | %-22s %6.2f s %8s records/s | ratio %5s× | siftql index %6.2f s | again, indexed %7.2f s %8s records/s, ratio %5s×\n' \
    "$1" "$2" "$(rate "$2")" "$3" "$4" "$(rate "$4")" "$ratio" "$6" "$5" "$(rate "$5")" "$again"
}
# load_index_again URL [TABLE]: `siftql load --no-index` into a new table
# ($first), `siftql index` ($idx), and the same records loaded again into
# the indexed table, every key already there ($secs).
load_index_again() {
  local table=()
  [ -n "${2:-}" ] && table=(--table "$2")
  timed "$siftql" load --no-progress --no-index --db "$1" "${table[@]}" "$data"
  first="$secs"
  timed "$siftql" index --db "$1" "${table[@]}"
  idx="$secs"
  timed "$siftql" load --no-progress --no-index --db "$1" "${table[@]}" "$data"
}
# check WHAT GOT: the loaded table holds every record.
check() {
  local got="${2//[[:space:]]/}"
  [ "$got" = "$n" ] || { echo "$1: expected $n rows, found $got" >&2; exit 1; }
}

if [ -n "$pg" ]; then
  psql -q -v ON_ERROR_STOP=1 "$pg" -c "CREATE TABLE ${tag}_copy (line text)" >/dev/null
  # CSV with quote and delimiter bytes that JSON Lines never hold: every
  # line is one value, byte for byte.
  timed psql -q -v ON_ERROR_STOP=1 "$pg" \
    -c "\\copy ${tag}_copy FROM '$data' WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')"
  base="$secs"
  check "PostgreSQL COPY" "$(psql -qtA "$pg" -c "SELECT count(*) FROM ${tag}_copy")"
  load_index_again "$pg" "${tag}_load"
  check "PostgreSQL siftql load" "$(psql -qtA "$pg" -c "SELECT count(*) FROM ${tag}_load")"
  report postgres "$first" "COPY, one text column" "$base" "$secs" "$idx"
fi

if command -v python3 >/dev/null; then
  timed python3 - "$dir/one.db" "$data" <<'EOF'
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
con.execute("CREATE TABLE t (line TEXT)")
with open(sys.argv[2], encoding="utf-8") as f, con:
    con.executemany("INSERT INTO t VALUES (?)", ((l.rstrip("\n"),) for l in f))
con.close()
EOF
  base="$secs"
  check "SQLite one column" "$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM t").fetchone()[0])' "$dir/one.db")"
  load_index_again "sqlite:$dir/load.db"
  check "SQLite siftql load" "$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM clusters").fetchone()[0])' "$dir/load.db")"
  report sqlite "$first" "INSERT, one column" "$base" "$secs" "$idx"
fi

if [ -n "$my" ]; then
  mysql_cli -e "CREATE TABLE ${tag}_copy (line LONGTEXT) CHARACTER SET utf8mb4"
  # No field separator, quoting or escaping: every line is one value.
  timed mariadb "${my_args[@]}" -e "LOAD DATA LOCAL INFILE '$data' INTO TABLE ${tag}_copy CHARACTER SET utf8mb4 FIELDS TERMINATED BY X'02' ENCLOSED BY '' ESCAPED BY '' LINES TERMINATED BY '\\n' (line)"
  base="$secs"
  check "MariaDB LOAD DATA" "$(mysql_cli -N -e "SELECT count(*) FROM ${tag}_copy")"
  load_index_again "$my" "${tag}_load"
  check "MariaDB siftql load" "$(mysql_cli -N -e "SELECT count(*) FROM ${tag}_load")"
  report mariadb "$first" "LOAD DATA, one column" "$base" "$secs" "$idx"
fi
