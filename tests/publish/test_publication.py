"""publish.publication: build aside, audit, swap in atomically, keep history, roll back."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from publish.publication import (
    PUBLISHED_FILE,
    CheckResult,
    PublicationError,
    PublicationRefused,
    build_next,
    current_publication,
    new_publication_id,
    publications,
    publish,
    rollback,
)


def _work_db(path: Path, villages: list[str]) -> Path:
    """A work database whose marts hold `villages` (a stand-in for the dbt build's output)."""
    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute("create table marts.dim_village as select unnest(?) as village_code", [villages])
    con.execute("create table marts.fct_plan_item as select 1 as plan_item_id")
    con.execute("create schema raw")
    con.execute(
        "create table raw.deliveries as select * from (values "
        "('dopa/village_plans@aa', 'dopa/village_plans', 'aa', 'ingested'), "
        "('cdd/community_plans@bb', 'cdd/community_plans', 'bb', 'rejected')"
        ") as t(delivery_id, dataset, sha256, status)"
    )
    con.close()
    return path


def _villages(database: Path) -> list[str]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        rows = con.execute("select village_code from dim_village order by 1").fetchall()
    finally:
        con.close()
    return [row[0] for row in rows]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _publish(work: Path, warehouse: Path, villages: list[str], **kwargs: object) -> str:
    _work_db(work, villages)
    candidate = build_next(work, warehouse, ["dim_village", "fct_plan_item"])
    publish(candidate, warehouse, **kwargs)  # type: ignore[arg-type]
    return candidate.publication_id


def test_publishes_keeps_history_and_rolls_back(tmp_path: Path) -> None:
    warehouse, work = tmp_path / "warehouse", tmp_path / "work.duckdb"
    first = _publish(work, warehouse, ["54010101"])
    second = _publish(work, warehouse, ["54010101", "54010102"])
    published = warehouse / PUBLISHED_FILE

    assert _villages(published) == ["54010101", "54010102"]
    assert [p.publication_id for p in publications(warehouse)] == [first, second]
    assert current_publication(warehouse).publication_id == second  # type: ignore[union-attr]
    assert not (warehouse / ".next").exists()  # the candidate became the published file
    assert not Path(f"{published}.wal").exists()

    assert rollback(warehouse).publication_id == first
    assert _villages(published) == ["54010101"]
    assert current_publication(warehouse).publication_id == first  # type: ignore[union-attr]
    with pytest.raises(PublicationError, match="oldest kept"):
        rollback(warehouse)


def test_keeps_only_the_configured_number_of_publications(tmp_path: Path) -> None:
    warehouse, work = tmp_path / "warehouse", tmp_path / "work.duckdb"
    ids = [_publish(work, warehouse, [f"5401010{n}"], keep=2) for n in range(4)]
    assert [p.publication_id for p in publications(warehouse)] == ids[-2:]
    assert _villages(warehouse / PUBLISHED_FILE) == ["54010103"]


def test_a_refused_audit_publishes_nothing(tmp_path: Path) -> None:
    warehouse, work = tmp_path / "warehouse", tmp_path / "work.duckdb"
    _publish(work, warehouse, ["54010101"])
    published = warehouse / PUBLISHED_FILE
    before = _sha256(published)

    def audit(candidate: Path) -> None:
        assert _villages(candidate) == ["54010199"]  # the audit sees the candidate, not the old
        raise ValueError("check dim_village_codes_exist failed: 54010199 is not in the registry")

    _work_db(work, ["54010199"])
    candidate = build_next(work, warehouse, ["dim_village", "fct_plan_item"])
    with pytest.raises(ValueError, match="dim_village_codes_exist"):
        publish(candidate, warehouse, audit=audit)
    assert _sha256(published) == before
    assert not candidate.path.exists()
    assert len(publications(warehouse)) == 1


READER = textwrap.dedent(
    """
    import sys, time, duckdb
    from pathlib import Path
    published, go, done = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    con = duckdb.connect(published, read_only=True)
    count = lambda c: c.execute("select count(*) from dim_village").fetchall()[0][0]
    print("before", count(con), flush=True)
    while not go.exists():
        time.sleep(0.02)
    print("held", count(con), flush=True)  # the same connection, after the publish
    con.close()
    con = duckdb.connect(published, read_only=True)
    print("reopened", count(con), flush=True)
    con.close()
    done.touch()
    """
)


def test_a_reader_holding_the_file_neither_blocks_nor_sees_a_publish(tmp_path: Path) -> None:
    """A real second process keeps the published file open read-only across a publish: the
    publish goes through while it reads, it keeps its consistent view, and sees the new
    publication when it reopens."""
    warehouse, work = tmp_path / "warehouse", tmp_path / "work.duckdb"
    _publish(work, warehouse, ["54010101"])
    go, done = tmp_path / "go", tmp_path / "done"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(warehouse / PUBLISHED_FILE), str(go), str(done)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout is not None
        assert reader.stdout.readline().split() == ["before", "1"]
        started = time.monotonic()
        _publish(work, warehouse, ["54010101", "54010102", "54010103"])
        assert time.monotonic() - started < 30  # not waiting for the reader
        assert reader.poll() is None  # the reader is still there, file open
        go.touch()
        out, _ = reader.communicate(timeout=60)
    finally:
        reader.kill()
    assert out.split("\n")[:2] == ["held 1", "reopened 3"]
    assert done.exists()


def test_publication_ids_sort_by_time() -> None:
    import datetime as dt

    earlier = new_publication_id(dt.datetime(2026, 11, 27, 1, 2, 3, tzinfo=dt.UTC))
    later = new_publication_id(dt.datetime(2026, 11, 27, 10, 2, 3, tzinfo=dt.UTC))
    assert earlier == "20261127T010203000000Z" < later


def _meta(database: Path) -> list[tuple]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute(
            "select publication_id, deliveries, tables, checks, code_version "
            "from meta_publication order by publication_id"
        ).fetchall()
    finally:
        con.close()


def test_meta_publication_and_parquet_exports(tmp_path: Path) -> None:
    warehouse, work = tmp_path / "warehouse", tmp_path / "work.duckdb"
    checks = [
        CheckResult("rows_conserved", True),
        CheckResult("ge:dim_village", True, "3/3"),
        CheckResult("raw/dopa/villages:agreed_format", False, "1 of 2 short", blocking=False),
    ]  # a failed warning is recorded, and does not hold the publication back
    first = _publish(work, warehouse, ["54010101"], audit=lambda _: checks)
    second = _publish(work, warehouse, ["54010101", "54010102"])
    meta = _meta(warehouse / PUBLISHED_FILE)

    assert [row[0] for row in meta] == [first, second]  # every publication so far
    assert meta[0][1] == [
        {"delivery_id": "dopa/village_plans@aa", "dataset": "dopa/village_plans", "sha256": "aa"}
    ]  # the ingested deliveries only
    assert meta[1][2] == [
        {"name": "dim_village", "n_rows": 2},
        {"name": "fct_plan_item", "n_rows": 1},
    ]
    assert meta[0][3] == [
        {"name": "rows_conserved", "passed": True, "blocking": True, "detail": ""},
        {"name": "ge:dim_village", "passed": True, "blocking": True, "detail": "3/3"},
        {
            "name": "raw/dopa/villages:agreed_format",
            "passed": False,
            "blocking": False,
            "detail": "1 of 2 short",
        },
    ]
    assert meta[1][4].startswith("muban ")

    current = warehouse / "exports" / "current"
    assert current.resolve() == (warehouse / "exports" / second).resolve()
    assert sorted(p.name for p in current.iterdir()) == [
        "dim_village.parquet",
        "fct_plan_item.parquet",
        "meta_publication.parquet",
    ]
    assert duckdb.sql(f"select count(*) from '{current / 'dim_village.parquet'}'").fetchall() == [
        (2,)
    ]

    rollback(warehouse)
    assert current.resolve() == (warehouse / "exports" / first).resolve()


def test_a_failed_check_publishes_nothing_and_says_which(tmp_path: Path) -> None:
    warehouse, work = tmp_path / "warehouse", tmp_path / "work.duckdb"
    _publish(work, warehouse, ["54010101"])
    before = _sha256(warehouse / PUBLISHED_FILE)
    failing = [
        CheckResult("rows_conserved", True),
        CheckResult("rows_conserved:cdd/community_plans@bb", False, "read 10 = 9 + 0"),
    ]
    _work_db(work, ["54010199"])
    candidate = build_next(work, warehouse, ["dim_village"])
    with pytest.raises(PublicationRefused, match=r"rows_conserved:cdd/community_plans@bb: read 10"):
        publish(candidate, warehouse, audit=lambda _: failing)
    assert _sha256(warehouse / PUBLISHED_FILE) == before
    published_id = current_publication(warehouse).publication_id  # type: ignore[union-attr]
    assert sorted(p.name for p in (warehouse / "exports").iterdir()) == [published_id, "current"]
