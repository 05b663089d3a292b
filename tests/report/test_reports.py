"""report.write_reports on a real published warehouse: counts, every rejected row, safe
spreadsheets, a self-contained printable page, no personal data."""

from __future__ import annotations

import csv
import json
import re
import shutil
import zipfile
from pathlib import Path

import duckdb
import openpyxl
import pytest

from report import AgencyReport, write_reports
from report.spreadsheet import Sheet, copy_csv, neutralise, write_xlsx

AGENCIES = {"dopa", "cdd", "dla", "opsmoi"}


def _query(published: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(published), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _xlsx_rows(path: Path) -> tuple[list[str], list[tuple]]:
    workbook = openpyxl.load_workbook(path, read_only=True)
    try:
        rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    finally:
        workbook.close()
    return list(rows[0]), rows[1:]


def _by_agency(reports: list[AgencyReport]) -> dict[str, AgencyReport]:
    return {report.agency: report for report in reports}


def test_reports_are_written_per_agency_for_the_latest_publication(
    published: Path, reports: list[AgencyReport]
) -> None:
    (latest,) = _query(
        published,
        "select publication_id from meta_publication order by published_at desc limit 1",
    )[0:1]
    assert {report.agency for report in reports} == AGENCIES
    for report in reports:
        assert report.publication_id == latest[0]
        assert report.directory.name == report.agency
        assert report.directory.parent.name == latest[0]
        names = {path.name for path in report.files}
        assert {"index.html", "rejected_rows.csv", "rejected_rows.xlsx", "summary.json"} <= names
        assert [p.name for p in report.attachments] == [
            "index.html",
            "rejected_rows.xlsx",
            "rejected_rows.csv",
        ]
        assert not list(report.directory.parent.glob(".*"))  # nothing half-written left


def test_counts_match_the_published_tables(published: Path, reports: list[AgencyReport]) -> None:
    totals = {
        agency: rest
        for agency, *rest in _query(
            published,
            """
            select agency, count(*), count(*) filter (where status = 'rejected'), sum(rows_read),
                sum(rows_published), sum(rows_quarantined), sum(rows_superseded)
            from rpt_delivery_quality group by agency
            """,
        )
    }
    for report in reports:
        deliveries, rejected_whole, received, accepted, rejected, superseded = totals[report.agency]
        assert (
            report.deliveries,
            report.deliveries_rejected,
            report.rows_received,
            report.rows_accepted,
            report.rows_rejected,
            report.rows_superseded,
        ) == (deliveries, rejected_whole, received, accepted, rejected, superseded)
        page = report.html.read_text(encoding="utf-8")
        for name, value in [
            ("rows_received", received),
            ("rows_accepted", accepted),
            ("rows_rejected", rejected),
            ("rows_superseded", superseded),
        ]:
            assert f'data-count="{name}">{value:,}<' in page, name
        # the count of every reason, as the quarantine holds it
        for code, n_rows in _query(
            published,
            "select code, count(*) from (select unnest(reason_codes) as code from quarantine "
            "where agency = ?) group by code",
            [report.agency],
        ):
            found = re.search(
                rf'<tr data-reason="{code}">.*?data-count="reason">([\d,]+)<', page, re.S
            )
            assert found is not None and found.group(1) == f"{n_rows:,}", code
        # provinces add up to the agency's totals
        summary = json.loads((report.directory / "summary.json").read_text(encoding="utf-8"))
        assert sum(p["rows_received"] for p in summary["provinces"]) == received
        assert sum(p["rows_rejected"] for p in summary["provinces"]) == rejected
        assert sum(p["rows_accepted"] for p in summary["provinces"]) == accepted


def test_duplicates_and_uncovered_dimensions_match_the_marts(
    published: Path, reports: list[AgencyReport]
) -> None:
    by_agency = _by_agency(reports)
    for agency in ("dopa", "cdd", "dla"):
        (expected,) = _query(
            published,
            """
            select count(*) from fct_plan_item as items
            join fct_integrated_project as projects using (integrated_project_id)
            where items.source = ? and len(list_filter(projects.sources, lambda s: s != ?)) > 0
            """,
            [agency, agency],
        )[0]
        directory = by_agency[agency].directory
        listed = sum(
            len(_csv_rows(path)) for path in directory.glob("provinces/*_duplicated_items.csv")
        )
        assert listed == expected
        page = (directory / "index.html").read_text(encoding="utf-8")
        assert f'data-count="items_duplicated">{expected:,}<' in page
        missing = dict(
            _query(
                published,
                """
                select dimension, count(*) from (
                    select unnest(dimensions_missing) as dimension
                    from mart_village_plan_coverage
                    where list_contains(plan_sources_in_province, ?)
                ) group by dimension
                """,
                [agency],
            )
        )
        for code, n_missing in missing.items():
            found = re.search(
                rf'<tr data-dimension="{code}">.*?data-count="missing">([\d,]+)<', page, re.S
            )
            assert found is not None and found.group(1) == f"{n_missing:,}", (agency, code)
        # the village-years whose dimensions the agency's plans leave uncovered
        (uncovered,) = _query(
            published,
            """
            with own as (
                select bridge.village_code, fiscal_year, count(distinct dimension_code) as n
                from fct_plan_item
                join bridge_plan_item_village as bridge using (plan_item_id)
                where source = ? and dimension_code is not null
                group by all
            )
            select count(*) from mart_village_plan_coverage as coverage
            left join own using (village_code, fiscal_year)
            where list_contains(plan_sources_in_province, ?)
                and coalesce(own.n, 0) < (select count(*) from dim_dimension)
            """,
            [agency, agency],
        )[0]
        listed = [
            row
            for path in directory.glob("provinces/*_uncovered_dimensions.csv")
            for row in _csv_rows(path)
        ]
        assert len(listed) == uncovered
        assert all(row["ด้านที่แผนของหน่วยงานไม่ครอบคลุม / dimensions your plans miss"] for row in listed)
    (laos_without,) = _query(
        published,
        "select count(distinct lao_code) from mart_lao_plan_support "
        "where is_expected and not budgets_planning_process",
    )[0]
    dla_page = by_agency["dla"].html.read_text(encoding="utf-8")
    assert f'data-count="laos_without">{laos_without:,}<' in dla_page
    assert 'id="laos"' not in by_agency["dopa"].html.read_text(encoding="utf-8")


def test_every_rejected_row_is_in_the_csv_and_the_xlsx(
    published: Path, reports: list[AgencyReport]
) -> None:
    for report in reports:
        quarantined = {
            (source_file, source_row): reasons_th
            for source_file, source_row, reasons_th in _query(
                published,
                "select source_file, source_row, reasons_th from quarantine where agency = ?",
                [report.agency],
            )
        }
        assert report.rows_rejected == len(quarantined)
        raw = (report.directory / "rejected_rows.csv").read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel shows the Thai text
        rows = _csv_rows(report.directory / "rejected_rows.csv")
        from_csv = {
            (row["ไฟล์ / source_file"], row["แถว / source_row"]): row["เหตุผล / reasons (th)"]
            for row in rows
        }
        assert from_csv == quarantined
        assert all(row["ตำแหน่งในไฟล์ / where (th)"] for row in rows)

        header, xlsx_rows = _xlsx_rows(report.directory / "rejected_rows.xlsx")
        file_at, row_at = header.index("ไฟล์ / source_file"), header.index("แถว / source_row")
        reason_at = header.index("เหตุผล / reasons (th)")
        from_xlsx = {(r[file_at], str(r[row_at])): r[reason_at] for r in xlsx_rows}
        assert from_xlsx == quarantined


def test_unidentified_villages_show_the_closest_candidates(
    published: Path, reports: list[AgencyReport]
) -> None:
    report = _by_agency(reports)["cdd"]
    with_candidates = _query(
        published,
        "select match_candidates from quarantine where agency = 'cdd' "
        "and list_has_any(reason_codes, ['village_unresolved', 'village_inconsistent']) "
        "and match_candidates is not null order by source_file, try_cast(source_row as int) limit 1",
    )
    assert with_candidates, "the small delivery set has CDD villages that cannot be identified"
    page = report.html.read_text(encoding="utf-8")
    section = page[page.index('id="villages"') :]
    first = with_candidates[0][0].split(";")[0].strip()
    assert first in section  # e.g. "บ้านนาแก (54010203)"


def test_the_page_is_self_contained_thai_and_printable(reports: list[AgencyReport]) -> None:
    for report in reports:
        pages = [report.html, *sorted((report.directory / "provinces").glob("*.html"))]
        assert len(pages) >= 2
        for path in pages:
            page = path.read_text(encoding="utf-8")
            assert '<html lang="th">' in page
            assert not re.search(r"https?://", page), path
            assert not re.search(r"<script|<link|<img|<iframe|@import|url\(", page, re.I), path
            assert not re.search(r"\b(src|srcset)\s*=", page, re.I), path
            for href in re.findall(r'href="([^"]*)"', page):
                assert not re.match(r"[a-z]+:|//", href), href  # only anchors and report files
            assert "Sarabun" in page and "Noto Sans Thai" in page and "Tahoma" in page
            assert "@media print" in page and "@page" in page
            assert "<svg" in page  # the charts are inline


def test_no_personal_data_in_any_output(warehouse: Path, reports: list[AgencyReport]) -> None:
    with duckdb.connect(str(warehouse / "work" / "work.duckdb"), read_only=True) as con:
        personal = {
            value
            for row in con.execute(
                "select headman_name, headman_phone from raw.dopa__villages"
            ).fetchall()
            for value in row
            if value and len(value) >= 6
        }
    assert len(personal) > 100
    for report in reports:
        for path in report.files:
            if path.suffix == ".xlsx":
                with zipfile.ZipFile(path) as workbook:
                    text = "".join(
                        workbook.read(name).decode("utf-8")
                        for name in workbook.namelist()
                        if name.endswith(".xml")
                    )
            else:
                text = path.read_text(encoding="utf-8-sig")
            leaked = [value for value in personal if value in text]
            assert not leaked, (path, leaked[:3])
            assert "headman" not in text.lower() or path.suffix == ".html"


def test_per_province_pages_and_files(reports: list[AgencyReport]) -> None:
    for report in reports:
        summary = json.loads((report.directory / "summary.json").read_text(encoding="utf-8"))
        codes = [p["province_code"] for p in summary["provinces"] if p["province_code"]]
        assert codes
        total = 0
        for code in codes:
            page = (report.directory / "provinces" / f"{code}.html").read_text(encoding="utf-8")
            assert 'href="../index.html"' in page
            total += len(_csv_rows(report.directory / "provinces" / f"{code}_rejected_rows.csv"))
            assert f'href="provinces/{code}.html"' in report.html.read_text(encoding="utf-8")
        unknown = [p["rows_rejected"] for p in summary["provinces"] if not p["province_code"]]
        assert total + sum(unknown) == report.rows_rejected


def test_neutralise_cells_a_spreadsheet_would_run(tmp_path: Path) -> None:
    dangerous = ["=1+1", "+SUM(A1:A2)", "-2+3", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("x")']
    harmless = ["ถนน คสล.", "a=1", "150,000", "", None, 42]
    assert [neutralise(value) for value in dangerous] == ["'" + value for value in dangerous]
    assert [neutralise(value) for value in harmless] == harmless

    with duckdb.connect() as con:
        con.execute(
            "create table cells as select unnest(?) as cell, "
            "generate_subscripts(?, 1) as _order, -5 as amount",
            [dangerous + harmless[:-1], dangerous + harmless[:-1]],
        )
        copy_csv(con, "cells", [("cell", "=header"), ("amount", "amount")], tmp_path / "c.csv")
    assert (tmp_path / "c.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    with (tmp_path / "c.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["'=header", "amount"]
    assert [row[0] for row in rows[1:]] == [
        *("'" + value for value in dangerous),
        *("ถนน คสล.", "a=1", "150,000", "", ""),
    ]
    assert {row[1] for row in rows[1:]} == {"'-5"}  # a negative number starts with "-" too

    write_xlsx(tmp_path / "cells.xlsx", [Sheet("cells", ["=header"], [[v] for v in dangerous])])
    workbook = openpyxl.load_workbook(tmp_path / "cells.xlsx")
    column = [cell for (cell,) in workbook.active.iter_rows()]
    # (XML reads a carriage return back as a line feed)
    expected = ["'=header", *("'" + v.replace("\r", "\n") for v in dangerous)]
    assert [cell.value for cell in column] == expected
    assert {cell.data_type for cell in column} == {"s"}
    with zipfile.ZipFile(tmp_path / "cells.xlsx") as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet  # no formula element anywhere


def test_crafted_rows_are_neutralised_and_escaped_end_to_end(
    published: Path, tmp_path: Path
) -> None:
    """A delivered title that is a formula, or HTML, reaches the reports harmless; a delivery
    rejected whole is shown with its reason; the checks section appears with its table."""
    crafted = tmp_path / "crafted.duckdb"
    shutil.copyfile(published, crafted)
    formula = '=HYPERLINK("http://evil.example","คลิก")'
    markup = "<script>alert(1)</script>"
    with duckdb.connect(str(crafted)) as con:
        file, row = con.execute(
            "select source_file, source_row from quarantine where agency = 'dopa' "
            "order by dataset, source_file, try_cast(source_row as bigint) limit 1"
        ).fetchone()
        con.execute(
            "update quarantine set delivered_values = json_merge_patch(delivered_values, ?) "
            "where agency = 'dopa' and source_file = ? and source_row = ?",
            [json.dumps({"title": formula, "category": markup}), file, row],
        )
        con.execute(
            """
            insert into rpt_delivery_quality (delivery_id, agency, dataset, source_file, status,
                rejection_reason_code, rejection_reason_th, rejection_reason_en, rejection_where,
                rows_read, rows_published, rows_quarantined, rows_superseded, quarantine_reasons,
                rows_duplicated_elsewhere, is_conserved)
            values ('dopa/village_plans@ff', 'dopa', 'dopa/village_plans', '+broken.csv',
                'rejected', 'missing_columns', 'ขาดคอลัมน์ที่จำเป็น: ชื่อโครงการ',
                'Required columns are missing: ชื่อโครงการ.', 'บรรทัดที่ 1', 0, 0, 0, 0, [], 0, true)
            """
        )
        con.execute(
            """
            create or replace table rpt_delivery_expectations as
            select delivery_id as target, 'dopa_village_plans' as suite,
                'expect_column_values_to_not_be_null' as expectation, 'title' as "column",
                false as success, 100 as element_count, 3 as unexpected_count,
                3.0 as unexpected_percent, ['', null] as examples,
                'ชื่อโครงการต้องไม่ว่าง' as description_th,
                'The project title must not be empty' as description_en
            from rpt_delivery_quality where agency = 'dopa' and status = 'ingested'
            """
        )
    (dopa,) = [r for r in write_reports(crafted, tmp_path / "reports") if r.agency == "dopa"]
    assert dopa.deliveries_rejected == 1

    rows = _csv_rows(dopa.directory / "rejected_rows.csv")
    (crafted_row,) = [
        r for r in rows if (r["ไฟล์ / source_file"], r["แถว / source_row"]) == (file, row)
    ]
    assert crafted_row["ค่าที่ส่งมา / delivered: title"] == "'" + formula
    header, xlsx_rows = _xlsx_rows(dopa.directory / "rejected_rows.xlsx")
    title_at = header.index("ค่าที่ส่งมา / delivered: title")
    assert "'" + formula in [r[title_at] for r in xlsx_rows]
    assert formula not in [r[title_at] for r in xlsx_rows]

    page = dopa.html.read_text(encoding="utf-8")
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "ขาดคอลัมน์ที่จำเป็น: ชื่อโครงการ" in page and "+broken.csv" in page
    assert 'id="checks"' in page and "ชื่อโครงการต้องไม่ว่าง" in page
    # a value's URL is text, never a resource
    assert not re.search(r"(src|href)=\"https?://", page)


def test_checks_section_only_when_the_table_exists(
    published: Path, reports: list[AgencyReport]
) -> None:
    exists = bool(
        _query(
            published,
            "select 1 from duckdb_tables() where table_name = 'rpt_delivery_expectations'",
        )
    )
    for report in reports:
        assert ('id="checks"' in report.html.read_text(encoding="utf-8")) == exists


def test_rewriting_a_publication_replaces_its_reports(published: Path, tmp_path: Path) -> None:
    first = write_reports(published, tmp_path, province_pages=False)
    stale = first[0].directory / "stale.txt"
    stale.write_text("from an earlier run")
    again = write_reports(published, tmp_path, province_pages=False)
    assert [r.agency for r in again] == [r.agency for r in first]
    assert not stale.exists()
    assert not list((again[0].directory / "provinces").glob("*.html"))
    assert list((again[0].directory / "provinces").glob("*_rejected_rows.csv"))
    assert sorted(p.name for p in tmp_path.iterdir()) == [first[0].publication_id]

    older = tmp_path / "20000101T000000000000Z"
    (older / "dopa").mkdir(parents=True)
    (tmp_path / "outbox").mkdir()
    write_reports(published, tmp_path, province_pages=False, keep=1)
    assert sorted(p.name for p in tmp_path.iterdir()) == [first[0].publication_id, "outbox"]


@pytest.mark.parametrize("sample_rows", [3])
def test_the_page_shows_the_first_rows_of_each_reason_with_a_note(
    published: Path, tmp_path: Path, sample_rows: int
) -> None:
    (dopa,) = [
        r
        for r in write_reports(published, tmp_path, sample_rows=sample_rows, province_pages=False)
        if r.agency == "dopa"
    ]
    page = dopa.html.read_text(encoding="utf-8")
    section = page[page.index('id="rejected"') : page.index('id="villages"')]
    (n_reasons,) = _query(
        published,
        "select count(distinct code) from (select unnest(reason_codes) as code from quarantine "
        "where agency = 'dopa')",
    )[0]
    assert section.count('<table class="rows">') == n_reasons
    assert section.count("<tr>") <= 1 + n_reasons * (sample_rows + 1)  # + the reasons' table
    assert f"แสดง {sample_rows} แถวแรกจาก" in section
