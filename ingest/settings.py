"""Where ingest reads and writes, and the agencies' API endpoints.

Every setting comes from (highest first) an environment variable `MUBAN_<NAME>`, a TOML
config file (`--config`, or `muban.toml` in the working directory, section `[muban]`), or the
default below. The README lists them.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path

DEFAULT_RESOURCE_ID = "0f6a1c3e-2b8d-4e55-9a61-6b1f0d2c7a91"  # OPS MOI household needs


@dataclass(frozen=True)
class Settings:
    warehouse: Path = Path("warehouse")
    landing: Path | None = None  # default: <warehouse>/landing
    dla_base_url: str | None = None  # e.g. https://plan.dla.go.th ; None: DLA API not pulled
    dla_period: str = "2566-2570"
    ckan_base_url: str | None = None  # e.g. https://data.moi.go.th ; None: needs not pulled
    ckan_resource_id: str = DEFAULT_RESOURCE_ID
    max_delivery_bytes: int = 512 * 2**20
    max_unzipped_bytes: int = 2 * 2**30  # a workbook's parts, uncompressed
    max_zip_ratio: int = 200  # uncompressed / compressed, per workbook part
    http_timeout_seconds: float = 30.0
    http_max_attempts: int = 6  # per request, then the pull is rejected (api_unavailable)
    http_initial_wait_seconds: float = 1.0  # backoff starts here, doubling, with jitter
    http_max_wait_seconds: float = 30.0
    workers: int = 2

    @property
    def landing_dir(self) -> Path:
        return self.landing if self.landing is not None else self.warehouse / "landing"

    @property
    def work_dir(self) -> Path:
        return self.warehouse / "work"

    @property
    def archive_dir(self) -> Path:
        return self.work_dir / "archive"

    @property
    def work_db(self) -> Path:
        return self.work_dir / "work.duckdb"

    @classmethod
    def load(cls, config: Path | None = None, **overrides: object) -> Settings:
        values: dict[str, object] = {}
        path = config if config is not None else Path("muban.toml")
        if path.exists():
            values.update(tomllib.loads(path.read_text(encoding="utf-8")).get("muban", {}))
        for field in fields(cls):
            env = os.environ.get(f"MUBAN_{field.name.upper()}")
            if env is not None:
                values[field.name] = env
        values.update({k: v for k, v in overrides.items() if v is not None})
        typed: dict[str, object] = {}
        for field in fields(cls):
            if field.name not in values:
                continue
            value = values[field.name]
            kind = str(field.type)
            if "Path" in kind and value is not None:
                value = Path(str(value))
            elif kind == "int":
                value = int(str(value))
            elif kind == "float":
                value = float(str(value))
            typed[field.name] = value
        return cls(**typed)
