"""Write, audit, publish: the published warehouse file is built aside and swapped in atomically.

`warehouse/village_plans.duckdb` is only ever replaced by a rename: a reader that has the file
open keeps the publication it opened (POSIX keeps the old inode alive) and a reader that opens
it during a publish gets either the old or the new file, never half of one. Every publication
is also kept under `history/<publication_id>.duckdb` (a hard link to the same file: no copy),
which is what `rollback` puts back. Nothing here ever opens the published file for writing.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

PUBLISHED_FILE = "village_plans.duckdb"
HISTORY_DIR = "history"
STAGING_DIR = ".next"


class PublicationError(RuntimeError):
    """A publication that must not happen (nothing was changed)."""


@dataclass(frozen=True)
class Publication:
    publication_id: str
    path: Path


def build_next(
    work_db: Path,
    warehouse: Path,
    tables: Sequence[str],
    *,
    schema: str = "marts",
    publication_id: str | None = None,
) -> Publication:
    """Copy `tables` of the work database's `schema` into a new DuckDB file beside the
    published one (`<warehouse>/.next/`), checkpointed and closed, ready to be audited."""
    publication_id = publication_id or new_publication_id()
    staging = warehouse / STAGING_DIR
    shutil.rmtree(staging, ignore_errors=True)  # what a killed run left behind
    staging.mkdir(parents=True)
    path = staging / f"{publication_id}.duckdb"
    con = duckdb.connect(str(path))
    try:
        con.execute("attach ? as work (read_only)", [str(work_db)])
        for table in tables:
            con.execute(f'create table main."{table}" as select * from work."{schema}"."{table}"')
        con.execute("detach work")
        con.execute("checkpoint")
    finally:
        con.close()
    return Publication(publication_id, path)


def publish(
    candidate: Publication,
    warehouse: Path,
    *,
    audit: Callable[[Path], None] | None = None,
    keep: int = 5,
) -> Publication:
    """Audit the candidate file, then make it the published warehouse. `audit` raises to
    refuse the publication: the candidate is removed and the published file is not touched.
    Keeps the last `keep` publications in the history (the published one included)."""
    if keep < 1:
        raise ValueError("keep must be at least 1: the published file is in the history")
    try:
        if audit is not None:
            audit(candidate.path)
    except Exception:
        candidate.path.unlink(missing_ok=True)
        raise
    history = warehouse / HISTORY_DIR
    history.mkdir(parents=True, exist_ok=True)
    kept = history / f"{candidate.publication_id}.duckdb"
    if kept.exists():
        raise PublicationError(f"publication {candidate.publication_id} already exists")
    os.link(candidate.path, kept)
    os.replace(candidate.path, warehouse / PUBLISHED_FILE)
    _sync_dir(warehouse)
    _prune(history, keep)
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


def new_publication_id(now: dt.datetime | None = None) -> str:
    """`YYYYMMDDTHHMMSSffffffZ` in UTC: sorts by time, safe as a file name."""
    now = now or dt.datetime.now(dt.UTC)
    return now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")


def _prune(history: Path, keep: int) -> None:
    # a reader holding a pruned file open keeps reading it: unlink only drops the name
    for old in sorted(history.glob("*.duckdb"))[:-keep]:
        old.unlink()


def _sync_dir(directory: Path) -> None:
    """Make the rename durable: a crash right after publishing must not bring back the old
    file."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
