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
    # below this many bytes to read, or with one file, reading happens in the run's own process:
    # starting the workers (~3 s) costs more than they save
    parallel_read_min_bytes: int = 16 * 2**20
    # agency reports by e-mail (`report.mail`). The SMTP user and password come only from the
    # environment (MUBAN_SMTP_USER, MUBAN_SMTP_PASSWORD), never from a config file.
    smtp_host: str | None = None  # None: the reports are written to the outbox as .eml files
    smtp_port: int = 587
    smtp_starttls: bool = True
    smtp_from: str = "muban <muban@localhost>"
    smtp_ca_file: Path | None = None  # the CA to trust for STARTTLS; default: the system's
    smtp_timeout_seconds: float = 30.0
    contacts_file: Path | None = None  # TOML, one contact per agency: [contacts] dopa = "…"
    outbox: Path | None = None  # default: <warehouse>/reports/outbox
    mail_max_attachment_bytes: int = 20 * 2**20  # per message; larger files stay in reports/
    keep_publications: int = 5  # published files kept in history/ for `muban rollback`
    # an agency's plan items of a fiscal year may shrink by at most this share from one
    # publication to the next (a truncated re-export); 1 accepts any drop, for one run
    max_row_drop: float = 0.5

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

    @property
    def dbt_target_dir(self) -> Path:
        """dbt's target folder for this warehouse, reused from run to run (partial parsing)."""
        return self.work_dir / "dbt_target"

    @property
    def reports_dir(self) -> Path:
        return self.warehouse / "reports"

    @property
    def outbox_dir(self) -> Path:
        return self.outbox if self.outbox is not None else self.reports_dir / "outbox"

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
            elif kind == "bool":
                value = _boolean(field.name, value)
            typed[field.name] = value
        return cls(**typed)


def _boolean(name: str, value: object) -> bool:
    """A TOML boolean, or `true`/`false`, `1`/`0`, `yes`/`no`, `on`/`off` from the environment."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"setting {name}: {value!r} is not a boolean (true/false)")
