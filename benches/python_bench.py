"""Benchmarks of the Python package against plain Python doing the same,
measured in the same run (ratios are what matter):

* `Predicate.filter_lines` over JSON lines, against `json.loads` per line
  plus a hand-written condition of the same meaning;
* `Predicate.filter` / `Predicate.matches` on decoded dicts, against the
  hand-written condition;
* `siftql.parse` of a 20-condition filter.

    cargo run --release --example gen_clusters -- 200000 > /tmp/clusters-200k.jsonl
    python benches/python_bench.py /tmp/clusters-200k.jsonl

(`benches/python.sh` does both.) Not run from `python/`: there `import
siftql` would find the sources instead of the installed package.
"""

import json
import sys
import time

import siftql

DSL = 'status = "completed" and num_clusters >= 40 and metadata.team is not null'


def by_hand(r):
    """The filter above, as Python: case-insensitive string equality, a
    number compared with a number, a present non-null field."""
    s = r.get("status")
    n = r.get("num_clusters")
    m = r.get("metadata")
    return (
        isinstance(s, str)
        and s.lower() == "completed"
        and isinstance(n, (int, float))
        and not isinstance(n, bool)
        and n >= 40
        and isinstance(m, dict)
        and m.get("team") is not None
    )


def best(f, runs=5):
    """The fastest of `runs` timings of f(), in seconds, and its result."""
    out = None
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t)
    return min(times), out


def main(path):
    lines = open(path, encoding="utf-8").read().splitlines()
    p = siftql.Predicate(DSL)

    t_hand, want = best(lambda: [line for line in lines if by_hand(json.loads(line))], 3)
    t_lines, got = best(lambda: p.filter_lines(lines), 3)
    assert got == want, (len(got), len(want))
    print(f"filter_lines, {len(lines)} lines: {t_lines * 1e3:.0f} ms; "
          f"json.loads + Python: {t_hand * 1e3:.0f} ms; {t_hand / t_lines:.1f}x faster")

    records = [json.loads(line) for line in lines]
    t_hand, want = best(lambda: [r for r in records if by_hand(r)])
    t_filter, got = best(lambda: p.filter(records))
    assert got == want
    t_matches, got = best(lambda: [r for r in records if p.matches(r)])
    assert got == want
    print(f"dicts: Predicate.filter {t_filter * 1e3:.0f} ms, Predicate.matches in a "
          f"comprehension {t_matches * 1e3:.0f} ms; Python {t_hand * 1e3:.0f} ms; "
          f"{t_hand / t_filter:.1f}x / {t_hand / t_matches:.1f}x faster")

    twenty = " and ".join(
        [f"field_{i} = \"value {i}\"" for i in range(10)]
        + [f"n_{i} >= {i}" for i in range(5)]
        + [f"tags_{i} in [a, b, c]" for i in range(5)]
    )
    assert len(siftql.parse(twenty)["AND"]) == 20
    n = 20000
    t, _ = best(lambda: [siftql.parse(twenty) for _ in range(n)])
    print(f"parse, 20 conditions: {t / n * 1e6:.1f} µs a call")


if __name__ == "__main__":
    main(sys.argv[1])
