"""Shared fixtures: simulated deliveries, generated once per test session in a temp folder."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import duckdb
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


@pytest.fixture(scope="session")
def small_api(small) -> Iterator[dict[str, str]]:
    """The simulated DLA and OPS MOI APIs of `small`, on loopback for the whole session, as
    the environment a `muban run` process reads them from."""
    from simulator.server import ApiServer

    with ApiServer(small.api) as api:
        yield {"MUBAN_DLA_BASE_URL": api.base_url, "MUBAN_CKAN_BASE_URL": api.base_url}


@pytest.fixture(scope="session")
def published_small(small, small_api, tmp_path_factory) -> Path:
    """A warehouse after one successful nightly run (`muban -v run`, a real process, files and
    APIs) on the `small` deliveries: published file, exports, reports, outbox and work
    database; what the run printed is in `nightly.log` beside it. Tests must not change it:
    clone it with `clone_warehouse` first."""
    import os
    import subprocess
    import sys

    root = tmp_path_factory.mktemp("published_small")
    warehouse = root / "warehouse"
    with (root / "nightly.log").open("w", encoding="utf-8") as log:
        done = subprocess.run(
            [
                str(Path(sys.executable).with_name("muban")),
                "-v",
                "run",
                "--landing",
                str(small.landing),
                "--warehouse",
                str(warehouse),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=1200,
            env={**os.environ, **small_api},
        )
    assert done.returncode == 0, (root / "nightly.log").read_text(encoding="utf-8")[-5000:]
    return warehouse


def clone_warehouse(source: Path, target: Path) -> Path:
    """A copy of a warehouse folder that shares nothing with it, the published file still one
    of the history's files (hard link), as `publish` leaves it."""
    import os
    import shutil

    from publish.publication import PUBLISHED_FILE, current_publication

    current = current_publication(source)
    shutil.copytree(source, target, symlinks=True, ignore=shutil.ignore_patterns(PUBLISHED_FILE))
    if current is not None:
        os.link(target / "history" / current.path.name, target / PUBLISHED_FILE)
    return target


# Columns that differ between two correct runs: when a delivery arrived, when it was published.
VOLATILE_TYPES = ("TIMESTAMP", "TIMESTAMP WITH TIME ZONE")
NOT_COMPARED = {"meta_publication"}


def published_rows(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every published table's rows, without the columns that differ between correct runs."""
    with duckdb.connect(str(path), read_only=True) as con:
        tables = [
            name
            for (name,) in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'main' order by 1"
            ).fetchall()
            if name not in NOT_COMPARED
        ]
        content = {}
        for table in tables:
            columns = [
                f'"{name}"'
                for name, kind, *_ in con.execute(f'describe "{table}"').fetchall()
                if kind not in VOLATILE_TYPES
            ]
            listed = ", ".join(columns)
            content[table] = con.execute(f'select {listed} from "{table}" order by all').fetchall()
    return content


# Personal data: the simulator's headman names and phones, looked for in what a run wrote.


def personal_pattern(values: Iterable[str]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(v) for v in sorted(values, key=len, reverse=True)))


def leaks_in_database(
    con: duckdb.DuckDBPyConnection, pattern: re.Pattern[str], schemas: Iterable[str] | None = None
) -> list[str]:
    """Every column of every table (and view over Parquet) whose text holds a personal value,
    in every schema or only those given."""
    # a constant pattern: DuckDB compiles it once per query, not once per row
    literal = "'" + pattern.pattern.replace("'", "''") + "'"
    leaks = []
    for database, schema, table in con.execute(
        "select database_name, schema_name, table_name from duckdb_tables() "
        "where not temporary union all "
        "select database_name, schema_name, view_name from duckdb_views() "
        "where not internal and not temporary"
    ).fetchall():
        if schemas is not None and schema not in schemas:
            continue
        qualified = f'"{database}"."{schema}"."{table}"'
        columns = [
            name
            for (name,) in con.execute(
                "select column_name from duckdb_columns() where database_name = ? "
                "and schema_name = ? and table_name = ?",
                [database, schema, table],
            ).fetchall()
        ]
        # all of a row's values joined first (one match per row, every value verbatim: no miss);
        # column by column only where that finds something
        joined = ", ".join(f'cast("{c}" as varchar)' for c in columns)
        (rows,) = con.execute(
            f"select count(*) from {qualified} "
            f"where regexp_matches(concat_ws(chr(31), {joined}), {literal})"
        ).fetchone()  # type: ignore[misc]
        if not rows:
            continue
        counts = con.execute(
            "select "
            + ", ".join(
                f'count(*) filter (where regexp_matches(cast("{c}" as varchar), {literal}))'
                for c in columns
            )
            + f" from {qualified}"
        ).fetchone()
        leaks += [
            f"{qualified}.{c}: {n} rows" for c, n in zip(columns, counts or (), strict=True) if n
        ]
    return leaks
