"""Round trips: DSL → dict → DSL is a fixed point, JSON → dict → JSON is
canonical, and Filter equality and hashing follow the meaning's form."""

import json

import pathlib

import pytest

import siftql

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "clusters.jsonl"

DSL = [
    'status = "active" and not department = "HR"',
    "num_clusters >= 5 and (status in [COMPLETED, FAILED] or metadata.team exists)",
    'case_sensitive(name = "John" and age >= 30 and (status = "active" or role = "admin"))',
    'description words "running jobs" or cluster_name starts_with "prod"',
    "`first name` = x and a.b.c != null and not (x < 1 or y > 2)",
    "loc geo_radius {\"center\": {\"lat\": 1.5, \"lon\": 2}, \"radius\": 1000}",
    "cluster_name matches \"^gpu-[0-9]+$\" and tags contains gpu",
    "q text $inputs.q",
    "true",
    "false",
]


@pytest.mark.parametrize("dsl", DSL)
def test_dsl_dict_dsl(dsl):
    d = siftql.parse(dsl)
    printed = siftql.to_dsl(d)
    assert siftql.parse(printed) == d
    assert siftql.to_dsl(siftql.parse(printed)) == printed
    assert json.loads(siftql.to_json(d)) == d
    assert siftql.loads(json.dumps(d)) == d


@pytest.mark.parametrize("dsl", DSL)
def test_filter_objects(dsl):
    f = siftql.Filter(dsl)
    assert str(f) == siftql.to_dsl(dsl)
    assert f.to_dict() == siftql.parse(dsl)
    assert siftql.Filter(f.to_dict()) == f
    assert siftql.Filter(f.to_json()) == f
    assert siftql.Filter(f) == f
    assert hash(siftql.Filter(str(f))) == hash(f)
    assert {f, siftql.Filter(str(f))} == {f}
    assert repr(f).startswith("siftql.Filter(")


def test_the_seed_filter_comes_back_byte_for_byte():
    seed = (ROOT / "tests" / "fixtures" / "seed_filters.json").read_text()
    assert siftql.to_json(siftql.loads(seed)) == siftql.to_json(json.loads(seed))
    assert siftql.to_json(siftql.to_dsl(json.loads(seed))) == json.dumps(
        json.loads(seed), separators=(",", ":")
    )


def test_different_filters_differ():
    assert siftql.Filter("a = 1") != siftql.Filter("a = 2")
    assert siftql.Filter("a = 1") != "a = 1"


def test_what_is_not_a_filter_is_a_type_error():
    with pytest.raises(TypeError):
        siftql.to_dsl(42)
