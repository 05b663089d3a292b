"""A real published warehouse (the `small` simulated deliveries, run and published) and the
agencies' reports written from it, once for the report tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from publish.publication import PUBLISHED_FILE
from report import AgencyReport, write_reports


@pytest.fixture(scope="session")
def warehouse(published_small: Path) -> Path:
    """The warehouse folder after a nightly run on `small` (files and the simulated DLA and
    OPS MOI APIs, so that all four agencies delivered), published."""
    return published_small


@pytest.fixture(scope="session")
def published(warehouse: Path) -> Path:
    return warehouse / PUBLISHED_FILE


@pytest.fixture(scope="session")
def reports(published: Path, tmp_path_factory: pytest.TempPathFactory) -> list[AgencyReport]:
    return write_reports(published, tmp_path_factory.mktemp("reports"))
