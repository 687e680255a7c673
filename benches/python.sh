#!/usr/bin/env bash
# The Python package's benchmarks (benches/python_bench.py) over N generated
# records (default 200,000), in a virtual environment of their own.
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-200000}"
data="${TMPDIR:-/tmp}/siftql-clusters-$n.jsonl"
cargo build -q --release -p siftql --example gen_clusters
[ -s "$data" ] || ./target/release/examples/gen_clusters "$n" > "$data"
venv="${TMPDIR:-/tmp}/siftql-bench-venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check ./python
"$venv/bin/python" benches/python_bench.py "$data"
