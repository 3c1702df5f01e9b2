"""Shared fixtures: chains written by make_test_chain, and the Trestle source tree (for the
documentation and example tests). Run by run_tests.sh, which sets the environment below."""

import os
import pathlib
import subprocess

import pytest


@pytest.fixture(scope="session")
def chains(tmp_path_factory):
    """{"sm": dir, "ecdsa": dir}: 4 blocks each, block h holding 2h + 1 transactions."""
    tool = os.environ.get("TRESTLE_TEST_MAKE_CHAIN")
    if not tool:
        pytest.skip("TRESTLE_TEST_MAKE_CHAIN is not set (run through CTest, which builds make_test_chain)")
    root = tmp_path_factory.mktemp("chains")
    dirs = {}
    for suite in ("sm", "ecdsa"):
        dirs[suite] = root / suite
        subprocess.run([tool, str(dirs[suite]), suite, "4"], check=True)
    return dirs


@pytest.fixture(scope="session")
def source_dir():
    """The Trestle source tree (docs/, examples/)."""
    given = os.environ.get("TRESTLE_SOURCE_DIR")
    root = pathlib.Path(given) if given else pathlib.Path(__file__).resolve().parents[3]
    if not (root / "docs" / "bindings.md").is_file():
        pytest.skip(f"no Trestle source tree at {root} (set TRESTLE_SOURCE_DIR)")
    return root
