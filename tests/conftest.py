"""Shared fixtures: simulated deliveries, generated once per test session in a temp folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from muban import settings
from simulator.config import DefectProfile, Scale, SimulationConfig
from simulator.run import Summary, simulate

settings.apply()


class Simulated:
    def __init__(self, root: Path, config: SimulationConfig, summary: Summary) -> None:
        self.root, self.config, self.summary = root, config, summary
        self.landing = config.out
        self.truth = config.truth
        self.api = config.api_dir


def _simulate(root: Path, **options: object) -> Simulated:
    config = SimulationConfig(
        out=root / "landing", truth=root / "truth", api_out=root / "api", **options
    )
    return Simulated(root, config, simulate(config))


@pytest.fixture(scope="session")
def small(tmp_path_factory: pytest.TempPathFactory) -> Simulated:
    """The default small delivery set (two districts of แพร่, default defects)."""
    return _simulate(tmp_path_factory.mktemp("small"))


@pytest.fixture(scope="session")
def harsh_province(tmp_path_factory: pytest.TempPathFactory) -> Simulated:
    """A whole province with the harsh defect profile: enough rows to measure defect rates."""
    return _simulate(
        tmp_path_factory.mktemp("harsh"), scale=Scale.PROVINCE, defects=DefectProfile.HARSH, seed=7
    )


@pytest.fixture(scope="session")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Simulated:
    """Two provinces, one district each, with no defects at all."""
    return _simulate(
        tmp_path_factory.mktemp("clean"), provinces=("54", "76"), defects=DefectProfile.NONE
    )
