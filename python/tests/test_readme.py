"""Every ```python block of the package's README runs."""

import os
import pathlib
import re

import pytest

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)


def test_the_readme_has_examples():
    assert len(BLOCKS) >= 2


@pytest.mark.parametrize("block", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_readme_block_runs(block):
    if "mixpeek" in block:
        if os.environ.get("SIFTQL_REQUIRE_ALL"):
            import mixpeek  # noqa: F401  (CI installs it: a failure here fails the run)
        else:
            pytest.importorskip("mixpeek", reason="pip install mixpeek to run the client example")
    exec(compile(block, str(README), "exec"), {})
