"""Shared fixtures: the repository's paths and the `siftql` CLI the Python
package is compared with (the same Rust code, built by cargo)."""

import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "clusters.jsonl"


def cli_path():
    """The CLI binary: $SIFTQL_BIN, else target/debug/siftql."""
    return pathlib.Path(os.environ.get("SIFTQL_BIN", ROOT / "target" / "debug" / "siftql"))


@pytest.fixture(scope="session")
def cli():
    """Runs the `siftql` CLI; its absence skips the test, or fails it under
    SIFTQL_REQUIRE_ALL=1 (as CI sets)."""
    path = cli_path()
    if not path.exists():
        if os.environ.get("SIFTQL_REQUIRE_ALL"):
            pytest.fail(f"{path} is missing (build it: cargo build --bin siftql)")
        pytest.skip(f"{path} is missing (build it: cargo build --bin siftql, or set SIFTQL_BIN)")

    def run(*args, stdin=None):
        return subprocess.run(
            [str(path), *args], input=stdin, capture_output=True, text=True, check=False
        )

    return run


@pytest.fixture(scope="session")
def example_lines():
    return EXAMPLES.read_text().splitlines()
