"""The one resource every asset shares: where the warehouse lives and how to reach the APIs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

from ingest import store
from ingest.settings import Settings


class MubanWarehouse(dg.ConfigurableResource):
    """Settings for ingest; empty values fall back to MUBAN_* variables and muban.toml."""

    warehouse: str = ""
    landing: str = ""
    dla_base_url: str = ""
    ckan_base_url: str = ""
    config_file: str = ""

    def settings(self) -> Settings:
        return Settings.load(
            Path(self.config_file) if self.config_file else None,
            warehouse=Path(self.warehouse) if self.warehouse else None,
            landing=Path(self.landing) if self.landing else None,
            dla_base_url=self.dla_base_url or None,
            ckan_base_url=self.ckan_base_url or None,
        )

    @contextmanager
    def work_db(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The work database: one writer at a time (assets share the `work_db` pool of 1)."""
        con = store.connect(self.settings().work_db)
        try:
            yield con
        finally:
            con.close()
