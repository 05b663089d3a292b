"""A dbt-duckdb plugin: registers muban's Thai text functions as DuckDB functions, so staging
models normalise names with the same code as validation and scoring (profiles.yml loads it)."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
from dbt.adapters.duckdb.plugins import BasePlugin

from muban.thai import duckdb_normalise_macro, normalise_one

_PYTHAINLP = "th_normalize_python"


class Plugin(BasePlugin):
    def initialize(self, plugin_config: dict[str, Any]) -> None:
        self.config = plugin_config

    def configure_connection(self, conn: Any) -> None:
        register_functions(conn)

    def configure_cursor(self, cursor: Any) -> None:
        # dbt runs models on cursors, and a temporary macro lives in one cursor's catalog
        register_macros(cursor)


def register(conn: Any) -> None:
    """`th_normalize(text)` on a plain connection (scripts, tests): see muban.thai."""
    register_functions(conn)
    register_macros(conn)


def register_functions(conn: Any) -> None:
    """The Python half of th_normalize (pythainlp, for the few texts that need it); Python
    UDFs are shared by every cursor of the connection."""
    conn.create_function(
        _PYTHAINLP,
        lambda values: pa.array(
            [None if v is None else normalise_one(v) for v in values.to_pylist()], pa.string()
        ),
        ["VARCHAR"],
        "VARCHAR",
        type="arrow",
        side_effects=False,
    )


def register_macros(conn: Any) -> None:
    """`th_normalize(text)`: muban.thai's normalisation in DuckDB SQL."""
    conn.execute(duckdb_normalise_macro("th_normalize", _PYTHAINLP))
