"""The small warehouse the session builds once (`published_small`: the nightly job on the `small`
simulated delivery set, its APIs served on loopback), for the expectations tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest


@pytest.fixture(scope="session")
def small_build(published_small: Path) -> Path:
    """The work database of a healthy nightly build of `small` (raw and marts schemas)."""
    return published_small / "work" / "work.duckdb"


@pytest.fixture
def work(small_build: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with duckdb.connect(str(small_build), read_only=True) as con:
        yield con
