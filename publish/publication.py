"""Write, audit, publish: the published warehouse file is built aside and swapped in atomically.

`warehouse/village_plans.duckdb` is only ever replaced by a rename: a reader that has the file
open keeps the publication it opened (POSIX keeps the old inode alive) and a reader that opens
it during a publish gets either the old or the new file, never half of one. Every publication
is also kept under `history/<publication_id>.duckdb` (a hard link to the same file: no copy),
which is what `rollback` puts back. Nothing here ever opens the published file for writing.

Each publication's file holds `meta_publication` (one row per publication so far: when, the
deliveries it holds with their sha256, the code version, the checks run and their outcome), and
its tables are exported as Parquet under `exports/<publication_id>/`, with `exports/current`
a symbolic link swapped in with the file.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

PUBLISHED_FILE = "village_plans.duckdb"
HISTORY_DIR = "history"
STAGING_DIR = ".next"
EXPORTS_DIR = "exports"
META_TABLE = "meta_publication"


class PublicationError(RuntimeError):
    """A publication that must not happen (nothing was changed)."""


@dataclass(frozen=True)
class Publication:
    publication_id: str
    path: Path


@dataclass(frozen=True)
class CheckResult:
    """One check run on a candidate publication (a GE suite, a dbt test, row conservation)."""

    name: str
    passed: bool
    detail: str = ""
    blocking: bool = True  # a failed non-blocking check (a warning) is recorded, not refused


class PublicationRefused(PublicationError):
    """A check failed: nothing was published."""

    def __init__(self, failed: Sequence[CheckResult]) -> None:
        self.failed = [check for check in failed if check.blocking]
        super().__init__(
            "not published, checks failed: "
            + "; ".join(f"{check.name}: {check.detail}" for check in self.failed)
        )


def build_next(
    work_db: Path,
    warehouse: Path,
    tables: Sequence[str],
    *,
    schema: str = "marts",
    publication_id: str | None = None,
) -> Publication:
    """Copy `tables` of the work database into a new DuckDB file beside the published one
    (`<warehouse>/.next/`), checkpointed and closed, ready to be audited. A table is named
    `table` (in `schema`) or `schema.table`; it is published as `table`."""
    publication_id = publication_id or new_publication_id()
    staging = warehouse / STAGING_DIR
    shutil.rmtree(staging, ignore_errors=True)  # what a killed run left behind
    staging.mkdir(parents=True)
    path = staging / f"{publication_id}.duckdb"
    con = duckdb.connect(str(path))
    try:
        con.execute("attach ? as work (read_only)", [str(work_db)])
        for qualified in tables:
            source_schema, _, table = qualified.rpartition(".")
            con.execute(
                f'create table main."{table}" as '
                f'select * from work."{source_schema or schema}"."{table}"'
            )
        _write_meta(con, warehouse, publication_id)
        con.execute("detach work")
        con.execute("checkpoint")
    finally:
        con.close()
    return Publication(publication_id, path)


def publish(
    candidate: Publication,
    warehouse: Path,
    *,
    audit: Callable[[Path], Sequence[CheckResult]] | None = None,
    keep: int = 5,
) -> Publication:
    """Audit the candidate file, then make it the published warehouse. When a check of
    `audit` fails (or it raises), the candidate is removed and the published file is not
    touched. Keeps the last `keep` publications in the history (the published one included)."""
    if keep < 1:
        raise ValueError("keep must be at least 1: the published file is in the history")
    try:
        checks = list(audit(candidate.path)) if audit is not None else []
        failed = [check for check in checks if check.blocking and not check.passed]
        if failed:
            raise PublicationRefused(failed)
        _record_checks(candidate, checks)
        exports = _export(candidate, warehouse)
    except Exception:
        candidate.path.unlink(missing_ok=True)
        shutil.rmtree(warehouse / EXPORTS_DIR / candidate.publication_id, ignore_errors=True)
        raise
    history = warehouse / HISTORY_DIR
    history.mkdir(parents=True, exist_ok=True)
    kept = history / f"{candidate.publication_id}.duckdb"
    if kept.exists():
        raise PublicationError(f"publication {candidate.publication_id} already exists")
    os.link(candidate.path, kept)
    os.replace(candidate.path, warehouse / PUBLISHED_FILE)
    _point_exports(warehouse, exports)
    _sync_dir(warehouse)
    shutil.rmtree(warehouse / STAGING_DIR, ignore_errors=True)  # e.g. the audit's record
    _prune(warehouse, keep)
    return Publication(candidate.publication_id, warehouse / PUBLISHED_FILE)


def rollback(warehouse: Path) -> Publication:
    """Put the publication before the current one back in place (atomically). The newer ones
    stay in the history; a second rollback goes one further back."""
    published = warehouse / PUBLISHED_FILE
    kept = publications(warehouse)
    current = current_publication(warehouse)
    if current is None:
        raise PublicationError(f"nothing is published in {warehouse}")
    position = [p.publication_id for p in kept].index(current.publication_id)
    if position == 0:
        raise PublicationError(
            f"publication {current.publication_id} is the oldest kept: nothing to go back to"
        )
    previous = kept[position - 1]
    swap = warehouse / f".rollback-{previous.publication_id}.duckdb"
    swap.unlink(missing_ok=True)
    os.link(previous.path, swap)
    os.replace(swap, published)
    exports = warehouse / EXPORTS_DIR / previous.publication_id
    if exports.exists():
        _point_exports(warehouse, exports)
    _sync_dir(warehouse)
    return previous


def publications(warehouse: Path) -> list[Publication]:
    """Every kept publication, oldest first (ids sort by time)."""
    history = warehouse / HISTORY_DIR
    if not history.exists():
        return []
    return [Publication(p.stem, p) for p in sorted(history.glob("*.duckdb"))]


def current_publication(warehouse: Path) -> Publication | None:
    """The kept publication the published file is (same inode), if any."""
    published = warehouse / PUBLISHED_FILE
    if not published.exists():
        return None
    inode = published.stat().st_ino
    for publication in publications(warehouse):
        if publication.path.stat().st_ino == inode:
            return publication
    return None


def candidate(warehouse: Path) -> Publication | None:
    """The candidate `build_next` left in `.next/` (there is at most one), if any."""
    built = sorted((warehouse / STAGING_DIR).glob("*.duckdb"))
    return Publication(built[-1].stem, built[-1]) if built else None


def table_rows(path: Path) -> dict[str, int]:
    """Each table's row count in a publication, as its `meta_publication` row records it."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        rows = con.execute(
            "select unnest(tables, recursive := true) from "
            f"(select tables from main.{META_TABLE} order by publication_id desc limit 1)"
        ).fetchall()
    except duckdb.CatalogException:
        return {}
    finally:
        con.close()
    return {name: n_rows for name, n_rows in rows}


def new_publication_id(now: dt.datetime | None = None) -> str:
    """`YYYYMMDDTHHMMSSffffffZ` in UTC: sorts by time, safe as a file name."""
    now = now or dt.datetime.now(dt.UTC)
    return now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")


def _prune(warehouse: Path, keep: int) -> None:
    # a reader holding a pruned file open keeps reading it: unlink only drops the name
    for old in sorted((warehouse / HISTORY_DIR).glob("*.duckdb"))[:-keep]:
        old.unlink()
    # exports of pruned publications, and of any that a killed run left half-written
    kept = {p.stem for p in (warehouse / HISTORY_DIR).glob("*.duckdb")}
    for exports in (warehouse / EXPORTS_DIR).iterdir():
        if exports.is_dir() and not exports.is_symlink() and exports.name not in kept:
            shutil.rmtree(exports, ignore_errors=True)


def _write_meta(con: duckdb.DuckDBPyConnection, warehouse: Path, publication_id: str) -> None:
    """`meta_publication`: the rows of the publications before (from the published file, read
    only) and this one's, its checks filled in once the audit has run."""
    con.execute(
        f"""
        create table main.{META_TABLE} (
            publication_id varchar primary key,
            published_at timestamptz,
            code_version varchar,
            deliveries struct(delivery_id varchar, dataset varchar, sha256 varchar)[],
            tables struct(name varchar, n_rows bigint)[],
            checks struct(name varchar, passed boolean, blocking boolean, detail varchar)[]
        )
        """
    )
    published = warehouse / PUBLISHED_FILE
    if published.exists():
        con.execute("attach ? as previous (read_only)", [str(published)])
        if con.execute(
            "select count(*) from duckdb_tables() where database_name = 'previous' "
            "and table_name = ?",
            [META_TABLE],
        ).fetchall()[0][0]:
            con.execute(f"insert into main.{META_TABLE} select * from previous.main.{META_TABLE}")
        con.execute("detach previous")
    tables = con.execute(
        "select table_name from duckdb_tables() where database_name = current_database() "
        "and schema_name = 'main' and table_name != ? order by table_name",
        [META_TABLE],
    ).fetchall()
    counts = [
        {
            "name": name,
            "n_rows": con.execute(f'select count(*) from main."{name}"').fetchall()[0][0],
        }
        for (name,) in tables
    ]
    has_deliveries = con.execute(
        "select count(*) from duckdb_tables() where database_name = 'work' "
        "and schema_name = 'raw' and table_name = 'deliveries'"
    ).fetchall()[0][0]
    deliveries = (
        "(select list({'delivery_id': delivery_id, 'dataset': dataset, 'sha256': sha256} "
        "order by delivery_id) from work.raw.deliveries where status = 'ingested')"
        if has_deliveries
        else "[]"
    )
    con.execute(
        f"insert into main.{META_TABLE} select ?, now(), ?, coalesce({deliveries}, []), ?, null",
        [publication_id, code_version(), counts],
    )


def _record_checks(candidate: Publication, checks: Sequence[CheckResult]) -> None:
    con = duckdb.connect(str(candidate.path))
    try:
        con.execute(
            f"update main.{META_TABLE} set checks = ? where publication_id = ?",
            [
                [
                    {"name": c.name, "passed": c.passed, "blocking": c.blocking, "detail": c.detail}
                    for c in checks
                ],
                candidate.publication_id,
            ],
        )
        con.execute("checkpoint")
    finally:
        con.close()


def _export(candidate: Publication, warehouse: Path) -> Path:
    """Every table of the candidate as Parquet in `exports/<publication_id>/`."""
    target = warehouse / EXPORTS_DIR / candidate.publication_id
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    con = duckdb.connect(str(candidate.path), read_only=True)
    try:
        for (name,) in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'main'"
        ).fetchall():
            con.execute(
                f"copy main.\"{name}\" to '{target / (name + '.parquet')}' (format parquet)"
            )
    finally:
        con.close()
    return target


def _point_exports(warehouse: Path, exports: Path) -> None:
    """`exports/current` → this publication's exports, swapped by a rename like the file."""
    link = warehouse / EXPORTS_DIR / "current"
    swap = warehouse / EXPORTS_DIR / ".current.swap"
    swap.unlink(missing_ok=True)
    swap.symlink_to(exports.name, target_is_directory=True)
    os.replace(swap, link)


def code_version() -> str:
    """The muban version, and the git commit when run from a checkout."""
    from importlib.metadata import version

    described = f"muban {version('muban')}"
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return described
    return f"{described} ({commit})"


def _sync_dir(directory: Path) -> None:
    """Make the rename durable: a crash right after publishing must not bring back the old
    file."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
