"""The official client (`mixpeek` on PyPI) against `siftql serve`:
tests/python/mixpeek_client.py parses every answer with the client's own
models. CI installs a pinned `mixpeek` and sets SIFTQL_REQUIRE_ALL=1, so
there a missing client fails instead of skipping."""

import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def require_client():
    if os.environ.get("SIFTQL_REQUIRE_ALL"):
        import mixpeek  # noqa: F401
    else:
        pytest.importorskip("mixpeek", reason="pip install mixpeek to run the official client")


def test_the_official_client_reads_every_answer(cli, tmp_path):
    require_client()
    from conftest import cli_path

    db = tmp_path / "served.db"
    server = subprocess.Popen(
        [str(cli_path()), "serve", "--db", f"sqlite:{db}",
         "--load", str(ROOT / "tests" / "python" / "clusters.jsonl"), "--addr", "127.0.0.1:0"],
        stderr=subprocess.PIPE, text=True,
    )
    try:
        url = None
        for line in server.stderr:
            if "listening on " in line:
                url = line.split("listening on ", 1)[1].strip()
                break
        assert url, "the server did not say where it listens"
        run = subprocess.run(
            [sys.executable, str(ROOT / "tests" / "python" / "mixpeek_client.py"), url],
            capture_output=True, text=True, timeout=120,
        )
        assert run.returncode == 0, run.stdout + run.stderr
        assert run.stdout.startswith("ok: "), run.stdout
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_request_models_take_parsed_filters():
    require_client()
    import siftql
    from mixpeek.models.list_clusters_request import ListClustersRequest

    dsl = 'status in [COMPLETED, FAILED] and not (metadata.team = ml or num_clusters < 3)'
    request = ListClustersRequest.from_dict({"filters": siftql.parse(dsl)})
    # The client re-serialises the filter (it writes `case_sensitive: false`
    # into every node); the filter means the same and prints the same.
    assert siftql.to_dsl(request.filters) == siftql.to_dsl(dsl)
    assert siftql.to_dsl(request.to_dict()["filters"]) == siftql.to_dsl(dsl)
    assert siftql.Filter(request.filters) == siftql.Filter(dsl)
