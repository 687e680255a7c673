"""The Python package and the `siftql` CLI are the same Rust code: the
evaluator returns what `siftql filter` returns on the bundled records, and
`to_sql` prints what `siftql sql` prints."""

import json
import threading
import time

import pathlib

import pytest

import siftql

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "clusters.jsonl"

FILTERS = [
    "status = completed",
    'status = "completed" and num_clusters >= 40 and metadata.team is not null',
    "num_clusters > 10 and not status in [failed, pending]",
    'cluster_name starts_with "c" or description contains "gpu"',
    "llm_labeling.inputs.key exists or metadata.team = ml",
    'case_sensitive(status = "COMPLETED")',
    "created_at > \"2025-06-01\" and created_at <= \"2026-01-01T00:00:00Z\"",
    'description words "cluster" and cluster_name matches "[0-9]$"',
    "not metadata.team exists",
    "true",
]


@pytest.mark.parametrize("expr", FILTERS)
def test_the_evaluator_agrees_with_the_cli(cli, example_lines, expr):
    out = cli("filter", expr, str(EXAMPLES))
    assert out.returncode == 0, out.stderr
    want = out.stdout.splitlines()
    p = siftql.Predicate(expr)
    assert p.filter_lines(example_lines) == want
    assert p.filter_lines([line.encode() for line in example_lines]) == [w.encode() for w in want]
    records = [json.loads(line) for line in example_lines]
    assert [json.dumps(r) for r in p.filter(records)] == [json.dumps(json.loads(w)) for w in want]
    assert sum(p.matches(r) for r in records) == len(want)


SQL = [
    ("postgres", 'status = "Done" and num_clusters >= 5'),
    ("mysql", "metadata.team in [ml, data] or cluster_name ends_with x"),
    ("sqlite", 'not (status = "it\'s") and created_at > "2025-01-01"'),
    ("postgres", "q text $inputs.q"),
]


@pytest.mark.parametrize("dialect,expr", SQL)
def test_sql_is_what_the_cli_prints(cli, dialect, expr):
    binds = ["--bind", 'inputs.q="gpu"'] if "$" in expr else []
    out = cli("sql", "--dialect", dialect, *binds, expr)
    assert out.returncode == 0, out.stderr
    sql, params = out.stdout.splitlines()
    got = siftql.to_sql(expr, dialect=dialect, bindings={"inputs.q": "gpu"} if binds else None)
    assert got == (sql, json.loads(params))
    out = cli("sql", "--dialect", dialect, "--inline", *binds, expr)
    inline = siftql.to_sql(expr, dialect=dialect, inline=True, bindings={"inputs.q": "gpu"} if binds else None)
    assert inline == (out.stdout.splitlines()[0], [])


def test_bindings():
    p = siftql.Predicate("num_clusters >= $inputs.n and status in $inputs.s",
                         bindings={"inputs.n": 40, "inputs.s": ["completed", "failed"]})
    assert p.matches({"num_clusters": 40, "status": "FAILED"})
    assert not p.matches({"num_clusters": 39, "status": "failed"})
    with pytest.raises(siftql.FilterError):
        siftql.Predicate("a in $x", bindings={"x": 5})


def test_records_are_read_as_json_is():
    p = siftql.Predicate("llm_labeling.inputs.key = a")
    assert p.matches({"llm_labeling": {"inputs": [{"key": "b"}, {"key": "A"}]}})
    assert not p.matches({"llm_labeling": {"inputs": []}})
    assert siftql.Predicate("tags.1 = b").matches({"tags": ["a", "b"]})
    assert siftql.Predicate("tags contains b").matches({"tags": ("a", "b")})
    assert siftql.Predicate("n = 30").matches({"n": 30.0})
    assert siftql.Predicate("big > 18446744073709551615").matches({"big": 2**70})
    assert siftql.Predicate("x = null").matches({})
    assert siftql.Predicate("x exists").matches({"x": None})
    assert not siftql.Predicate("x exists").matches({"y": 1})
    assert siftql.Predicate("flag = true").matches({"flag": True})
    assert not siftql.Predicate("flag = 1").matches({"flag": True})
    assert siftql.Predicate('meta = {"a": 1}').matches({"meta": {"a": 1}})


def test_bad_lines_name_their_number():
    p = siftql.Predicate("a = 1")
    assert p.filter_lines(["", '{"a": 1}', "  "]) == ['{"a": 1}']
    with pytest.raises(ValueError, match="line 2"):
        p.filter_lines(['{"a": 1}', "{x}"])
    with pytest.raises(TypeError, match="line 1"):
        p.filter_lines([1])


def test_filter_lines_lets_other_threads_run(example_lines):
    """While `filter_lines` works through many lines, another Python thread
    keeps counting: the interpreter is released during evaluation."""
    lines = example_lines * 40
    p = siftql.Predicate('description words "cluster running" or cluster_name matches "a.*b.*c"')
    ticks = []
    done = threading.Event()

    def count():
        while not done.is_set():
            ticks.append(time.perf_counter())

    t = threading.Thread(target=count)
    t.start()
    time.sleep(0.05)
    start = time.perf_counter()
    p.filter_lines(lines)
    end = time.perf_counter()
    done.set()
    t.join()
    during = [x for x in ticks if start < x < end]
    assert end - start > 0.05, "too little work to tell"
    assert len(during) > 1000, (len(during), end - start)


def test_predicates_are_shared_across_threads(example_lines):
    p = siftql.Predicate("status = completed")
    want = len(p.filter_lines(example_lines))
    results = []
    threads = [threading.Thread(target=lambda: results.append(len(p.filter_lines(example_lines))))
               for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [want] * 4
