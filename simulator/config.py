"""What a simulation run is asked to produce."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path


class Scale(StrEnum):
    SMALL = "small"  # one or two districts: seconds, for tests
    PROVINCE = "province"  # whole provinces
    NATIONAL = "national"  # every province (Bangkok has no villages): ~75,000 villages


class DefectProfile(StrEnum):
    NONE = "none"
    DEFAULT = "default"
    HARSH = "harsh"


DEFAULT_PROVINCES = ("54",)  # แพร่: the province of the MOI circular in shared/seed
# Bangkok is governed by the BMA: no villages, no village committees, no TAOs.
EXCLUDED_PROVINCES = frozenset({"10"})


@dataclass(frozen=True)
class SimulationConfig:
    out: Path
    provinces: tuple[str, ...] | None = None  # None: DEFAULT_PROVINCES, or all when national
    fiscal_year: int = 2569
    scale: Scale = Scale.SMALL
    seed: int = 2569
    truth: Path | None = None
    api_out: Path | None = None  # None: <out>/../simulated_api
    gazetteer: Path | None = None
    defects: DefectProfile = DefectProfile.DEFAULT
    workers: int = 2
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def api_dir(self) -> Path:
        return self.api_out if self.api_out is not None else self.out.parent / "simulated_api"

    @property
    def plan_period(self) -> tuple[int, int]:
        """The DLA five-year period holding the fiscal year (2566–2570, 2571–2575, …)."""
        start = 2566 + 5 * ((self.fiscal_year - 2566) // 5)
        return start, start + 4
