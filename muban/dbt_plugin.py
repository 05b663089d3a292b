"""A dbt-duckdb plugin: registers muban's Thai text functions as DuckDB functions, so staging
models normalise names with the same code as validation and scoring (profiles.yml loads it)."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
from dbt.adapters.duckdb.plugins import BasePlugin

from muban.thai import normalise_text


class Plugin(BasePlugin):
    def initialize(self, plugin_config: dict[str, Any]) -> None:
        self.config = plugin_config

    def configure_connection(self, conn: Any) -> None:
        register(conn)


def register(conn: Any) -> None:
    """`th_normalize(text)`: see muban.thai.normalise_text."""
    conn.create_function(
        "th_normalize",
        lambda values: normalise_text(
            values if isinstance(values, pa.Array | pa.ChunkedArray) else pa.array(values)
        ),
        ["VARCHAR"],
        "VARCHAR",
        type="arrow",
        side_effects=False,
    )
