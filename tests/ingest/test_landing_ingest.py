"""The landing ingest on the simulator's small deliveries: every row, counted independently."""

from __future__ import annotations

import csv
import io
import shutil

import duckdb
import openpyxl
import pytest

from ingest import store
from ingest.landing import ingest_landing
from ingest.settings import Settings
from tests.simulator.test_formats import decode


@pytest.fixture(scope="module")
def ingested(small, tmp_path_factory):
    warehouse = tmp_path_factory.mktemp("warehouse")
    settings = Settings.load(warehouse=warehouse, landing=small.landing)
    con = store.connect(settings.work_db)
    first = ingest_landing(settings, con)
    yield settings, con, first
    con.close()


def count(con, sql: str, *params) -> int:
    return con.execute(sql, list(params)).fetchall()[0][0]


def test_every_file_is_ingested(ingested) -> None:
    _, con, report = ingested
    assert report.rejected == 0
    statuses = con.execute(
        "select dataset, status, count(*) from raw.deliveries group by all order by all"
    ).fetchall()
    assert statuses == [
        ("cdd/certification", "ingested", 1),
        ("cdd/community_plans", "ingested", 1),
        ("dla/laos", "ingested", 1),
        ("dopa/village_plans", "ingested", 1),
        ("dopa/villages", "ingested", 2),
    ]


def test_csv_rows_equal_the_csv_module_count(small, ingested) -> None:
    _, con, _ = ingested
    path = small.landing / "dopa/village_plans/village_plans_2569_54.csv"
    _, text = decode(path)
    rows = list(csv.reader(io.StringIO(text, newline="")))[1:]
    assert count(con, "select count(*) from raw.dopa__village_plans") == len(rows)
    raw = con.execute(
        "select village_code, fiscal_year, project_name, budget, _source_row, _source_line "
        "from raw.dopa__village_plans order by _source_row::int"
    ).fetchall()
    assert [r[:4] for r in raw] == [(r[0], r[1], r[3], r[5]) for r in rows]
    assert [r[4] for r in raw] == [str(i) for i in range(1, len(rows) + 1)]
    # A record holding a line break pushes the next record's line down by one.
    lines = [r[5] for r in raw]
    breaks = [r[2].count("\n") + 0 for r in raw]
    assert all(
        lines[i + 1] == lines[i] + 1 + sum(f.count("\n") for f in rows[i])
        for i in range(len(rows) - 1)
    )
    assert sum(breaks) >= 0


def test_registry_snapshots_decoded_per_file(small, ingested) -> None:
    _, con, _ = ingested
    encodings = dict(
        con.execute(
            "select original_name, encoding from raw.deliveries where dataset = 'dopa/villages'"
        ).fetchall()
    )
    assert encodings == {
        "dopa/villages/villages_25680115.txt": "cp874",
        "dopa/villages/villages_25690115.txt": "utf-8-sig",
    }
    for name in encodings:
        _, text = decode(small.landing / name)
        lines = text.split("\r\n")[1:-1]
        raw = con.execute(
            "select village_code, village_name, status from raw.dopa__villages where _source_file = ? "
            "order by _source_row::int",
            [name],
        ).fetchall()
        assert raw == [tuple(line.split("|")[i] for i in (0, 2, 7)) for line in lines]


def test_workbook_rows_and_skipped_rows_match_openpyxl(small, ingested) -> None:
    _, con, _ = ingested
    path = small.landing / "cdd/community_plans/community_plans_2569_54.xlsx"
    sheet = openpyxl.load_workbook(path, read_only=True, data_only=True)["แผนชุมชน"]
    data_rows, subtotal_rows, blank_rows = [], [], []
    for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
        if number <= 4:
            continue
        if all(v is None for v in row):
            blank_rows.append(str(number))
        elif isinstance(row[1], str) and row[1].startswith("รวม"):
            subtotal_rows.append(str(number))
        else:
            data_rows.append((str(number), row))
    raw = con.execute(
        "select _source_row, project_name, budget, _flags from raw.cdd__community_plans order by _source_row::int"
    ).fetchall()
    assert [r[0] for r in raw] == [n for n, _ in data_rows]
    for (_, row), (_, title, budget, _) in zip(data_rows, raw, strict=True):
        assert title == row[5]
        if row[8] is None:
            assert budget is None
        elif isinstance(row[8], str):
            assert budget == row[8]
        else:
            assert float(budget) == pytest.approx(row[8])
    skipped = dict(
        con.execute(
            "select reason, list(source_row order by source_row::int) from raw.skipped_rows s "
            "join raw.deliveries d using (delivery_id) where d.dataset = 'cdd/community_plans' group by reason"
        ).fetchall()
    )
    assert skipped["subtotal_row"] == subtotal_rows
    assert skipped.get("blank_row", []) == blank_rows
    assert skipped["title_row"] == ["1", "2"] and skipped["header_row"] == ["3", "4"]


def test_formula_without_value_is_flagged_as_the_truth_says(small, ingested) -> None:
    _, con, _ = ingested
    truth = {
        str(r[0])
        for r in duckdb.sql(
            f"select source_row from read_parquet('{small.truth}/deliveries/cdd__community_plans/*.parquet') "
            "where list_contains(defects, 'formula_without_value')"
        ).fetchall()
    }
    flagged = {
        r[0]
        for r in con.execute(
            "select _source_row from raw.cdd__community_plans where _flags like '%formula_without_value:budget%'"
        ).fetchall()
    }
    assert flagged == truth


def test_a_second_run_changes_nothing(ingested) -> None:
    settings, con, _ = ingested
    before = {
        t: count(con, f"select count(*) from raw.{t}")
        for t in (
            "deliveries",
            "dopa__village_plans",
            "cdd__community_plans",
            "dopa__villages",
            "skipped_rows",
        )
    }
    again = ingest_landing(settings, con)
    assert (again.ingested, again.rejected, again.duplicates) == (0, 0, 0)
    after = {t: count(con, f"select count(*) from raw.{t}") for t in before}
    assert after == before


def test_same_bytes_under_another_name_are_a_duplicate(small, tmp_path) -> None:
    landing = tmp_path / "landing"
    shutil.copytree(small.landing / "dla", landing / "dla")
    source = landing / "dla/laos/laos_25681001.csv"
    shutil.copy(source, landing / "dla/laos/laos_25681001_resent.csv")
    settings = Settings.load(warehouse=tmp_path / "warehouse", landing=landing)
    with store.connect(settings.work_db) as con:
        report = ingest_landing(settings, con)
        assert (report.ingested, report.duplicates) == (1, 1)
        rows = count(con, "select count(*) from raw.dla__laos")
        assert rows == small.summary.rows["dla/laos"]
        again = ingest_landing(settings, con)
        assert (again.ingested, again.duplicates) == (0, 0)
        assert count(con, "select count(*) from raw.deliveries") == 2
        archived = list((settings.archive_dir).rglob("*"))
        assert sum(1 for p in archived if p.is_file()) == 1  # one copy of the bytes


def test_workers_read_what_this_process_reads(small, tmp_path, caplog) -> None:
    """The small set (2.5 MB) is read in the run's own process; forced into the worker pool,
    the same deliveries give the same raw tables, row for row."""
    read = {}
    for name, min_bytes in (("here", None), ("pooled", 0)):
        caplog.clear()
        options = {} if min_bytes is None else {"parallel_read_min_bytes": min_bytes}
        settings = Settings.load(warehouse=tmp_path / name, landing=small.landing, **options)
        with (
            caplog.at_level("INFO", logger="ingest.landing"),
            store.connect(settings.work_db) as con,
        ):
            ingest_landing(settings, con)
            tables = [
                t
                for (t,) in con.execute(
                    "select table_name from duckdb_tables() where schema_name = 'raw' order by 1"
                ).fetchall()
            ]
            read[name] = {}
            for table in tables:
                columns = ", ".join(
                    f'"{column}"'
                    for column, kind, *_ in con.execute(f"describe raw.{table}").fetchall()
                    if not kind.startswith("TIMESTAMP")
                )
                query = f"select {columns} from raw.{table} order by all"
                read[name][table] = con.execute(query).fetchall()
        pooled = "reading deliveries in 2 worker processes" in caplog.text
        assert pooled == (name == "pooled")
    assert len(read["here"]) >= 6 and sum(map(len, read["here"].values())) > 10_000
    assert read["here"] == read["pooled"]
