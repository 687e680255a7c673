"""Every error code as Python meets it: a `FilterError` (a `ValueError`)
whose `code`, `span`, `pointer`, `help` and `str()` are what the Rust crate
renders. The cases are the catalogue docs/errors.md, which the Rust tests
keep in step with the code."""

import re

import pathlib

import pytest

import siftql

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "clusters.jsonl"

DOC = (ROOT / "docs" / "errors.md").read_text().split("\n# Warning codes")[0]


def cases():
    out = []
    for section in DOC.split("\n## ")[1:]:
        code = section[:5]
        blocks = re.findall(r"```text\n(.*?)\n```", section, re.S)
        limits = {}
        m = re.search(r"With Limits \{ (.*?) \}\.", section)
        if m:
            limits = {k: int(v) for k, v in (kv.split(": ") for kv in m.group(1).split(", "))}
        out.append((code, blocks[0], blocks[1], limits))
    return out


CASES = cases()
# Where each code comes from in the Python API (the rest come from parsing).
COMPILE = {"E0306"}
SQL = {"E0401", "E0402", "E0403", "E0404"}


def test_the_catalogue_is_read():
    codes = [c[0] for c in CASES]
    assert len(codes) >= 30 and "E0103" in codes and "E0402" in codes


@pytest.mark.parametrize("code,text,rendered,limits", [c for c in CASES if c[0] not in COMPILE | SQL])
def test_parse_errors(code, text, rendered, limits):
    with pytest.raises(siftql.FilterError) as info:
        siftql.parse(text, **limits)
    e = info.value
    assert isinstance(e, ValueError)
    assert e.code == code
    assert str(e) == rendered
    assert e.message == rendered.split("\n")[0].split("]: ", 1)[1]
    help_lines = [line for line in rendered.split("\n") if line.startswith("  = help: ")]
    assert e.help == (help_lines[0][len("  = help: "):] if help_lines else None)
    at = [line for line in rendered.split("\n") if line.startswith("  --> at ")]
    if at:
        assert e.pointer == at[0][len("  --> at "):]
    carets = [line for line in rendered.split("\n") if "^" in line]
    if carets:
        assert e.span is not None and e.span[0] <= e.span[1]
    else:
        assert e.span is None or text.startswith("{")


def test_an_unbound_dynamic_value():
    with pytest.raises(siftql.FilterError) as info:
        siftql.Predicate("query text $inputs.q")
    assert info.value.code == "E0306"
    assert "$inputs.q" in info.value.message
    assert siftql.Predicate("query text $inputs.q", bindings={"inputs.q": "x"}).matches({"query": "x"})


def test_sql_errors():
    with pytest.raises(siftql.FilterError) as info:
        siftql.to_sql('description words "running dogs"', dialect="postgres")
    rendered = [c[2] for c in CASES if c[0] == "E0402"][0]
    assert info.value.code == "E0402" and str(info.value) == rendered
    closed = {"table": "t", "open": False, "columns": [{"field": "status", "column": "status", "type": "text"}]}
    with pytest.raises(siftql.FilterError) as info:
        siftql.to_sql('statos = "ok"', schema=closed)
    assert info.value.code == "E0401" and info.value.help == "did you mean `status`?"
    with pytest.raises(siftql.FilterError) as info:
        siftql.check('statos = "ok"', schema=closed)
    assert info.value.code == "E0401" and info.value.pointer == "/AND/0"
    with pytest.raises(siftql.FilterError) as info:
        siftql.to_sql("a = 1", schema='{"table": "t", "open": true}')
    assert info.value.code == "E0403"
    with pytest.raises(siftql.FilterError) as info:
        siftql.to_sql("a = 1", dialect="oracle")
    assert info.value.code == "E0402" and "the dialects are" in info.value.help


def test_limits_are_keyword_arguments():
    with pytest.raises(siftql.FilterError) as info:
        siftql.parse("a in [1, 2, 3]", max_list_len=2)
    assert info.value.code == "E0014"
    assert siftql.parse("a in [1, 2]", max_list_len=2)
    with pytest.raises(siftql.FilterError) as info:
        siftql.Filter('{"AND": [{"AND": [{"AND": []}]}]}', max_depth=2)
    assert info.value.code == "E0012"
    with pytest.raises(siftql.FilterError):
        siftql.Predicate({"AND": [{"field": "a", "operator": "eq", "value": 1}]} , max_input_bytes=8)
    with pytest.raises(TypeError, match="max_nodes"):
        siftql.parse("a = 1", max_nodez=3)
