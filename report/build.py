"""Write each agency's quality report from the published warehouse.

`<reports_dir>/<publication_id>/<agency>/` holds:
- `index.html`: the report (counts, charts, the first rows of each list);
- `rejected_rows.xlsx`, `rejected_rows.csv`: every rejected row, with where it sits in the
  agency's file, its reasons in Thai and English, and the values delivered;
- `laos_without_planning_budget.csv` (DLA): every LAO-year without a planning-process budget;
- `provinces/<code>.html` for the provincial offices, and per province the CSV lists:
  `<code>_rejected_rows.csv`, and for the plan agencies `<code>_duplicated_items.csv` (plan items
  another agency also plans) and `<code>_uncovered_dimensions.csv` (village-years whose
  dimensions the agency's plans leave uncovered), lists that nationally run to a million rows;
- `summary.json`: the counts, for programs.
An agency's directory is built aside and swapped in: a rerun for the same publication replaces
it whole.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import duckdb

from report import exports, html
from report.data import PLAN_AGENCIES, Publication, ReportData, collect, latest_publication, prepare
from report.labels import AGENCIES, agency_th
from report.spreadsheet import Sheet, write_xlsx

log = logging.getLogger(__name__)

# attached to the agency's e-mail, in this order, when they exist
ATTACHMENTS = ("index.html", "rejected_rows.xlsx", "rejected_rows.csv")
OUTBOX = "outbox"  # <reports_dir>/outbox is mail.py's, not a publication's

# file: (Thai, English) description, in the report's list of files
FILE_DESCRIPTIONS: dict[str, tuple[str, str]] = {
    "rejected_rows.xlsx": (
        "ทุกแถวที่ไม่รับ พร้อมเหตุผลและตำแหน่งในไฟล์ (Excel)",
        "every rejected row with its reasons and where it is (Excel)",
    ),
    "rejected_rows.csv": ("ทุกแถวที่ไม่รับ (CSV)", "every rejected row (CSV)"),
    "duplicated_items.csv": (
        "ทุกรายการที่หน่วยงานอื่นวางแผนไว้ด้วย",
        "every plan item another agency also plans",
    ),
    "uncovered_dimensions.csv": (
        "หมู่บ้าน-ปี ที่แผนยังไม่ครอบคลุมบางด้าน",
        "every village-year with a dimension your plans leave uncovered",
    ),
    "laos_without_planning_budget.csv": (
        "อปท.-ปี ที่ไม่ได้ตั้งงบจัดทำแผนชุมชน",
        "every LAO-year without a planning-process budget",
    ),
    "provinces/": (
        "รายงานและไฟล์ CSV รายจังหวัด (แถวที่ไม่รับ รายการซ้ำ ด้านที่ไม่ครอบคลุม)",
        "per-province pages and CSV files (rejected rows, duplicated items, uncovered dimensions)",
    ),
    "summary.json": ("ตัวเลขสรุป (สำหรับโปรแกรม)", "the counts, for programs"),
}


@dataclass(frozen=True)
class AgencyReport:
    """What was written for one agency."""

    agency: str
    publication_id: str
    directory: Path
    files: tuple[Path, ...]
    deliveries: int
    deliveries_rejected: int  # rejected whole: nothing of them was read
    rows_received: int
    rows_accepted: int
    rows_rejected: int
    rows_superseded: int

    @property
    def html(self) -> Path:
        return self.directory / "index.html"

    @property
    def attachments(self) -> tuple[Path, ...]:
        """The files that go with the agency's e-mail."""
        return tuple(
            self.directory / name for name in ATTACHMENTS if (self.directory / name).exists()
        )


def write_reports(
    published: Path,
    reports_dir: Path,
    *,
    sample_rows: int = 20,
    province_pages: bool = True,
    keep: int | None = None,
) -> list[AgencyReport]:
    """Write the report of every agency that delivered, for the latest publication of the
    `published` DuckDB file (opened read-only). `keep`: also remove the reports of all but the
    `keep` latest publications."""
    con = duckdb.connect(str(published), read_only=True)
    try:
        publication = latest_publication(con)
        prepare(con)
        delivered = {
            agency
            for (agency,) in con.execute("select distinct agency from r_deliveries").fetchall()
        }
        province_names = dict(
            con.execute("select province_code, name_th from dim_province").fetchall()
        )
        target = reports_dir / publication.publication_id
        target.mkdir(parents=True, exist_ok=True)
        reports = []
        for agency in (a for a in AGENCIES if a in delivered):
            partial = target / f".{agency}.partial"
            shutil.rmtree(partial, ignore_errors=True)
            partial.mkdir()
            report = _write_agency(
                con, agency, publication, partial, province_names, sample_rows, province_pages
            )
            directory = _swap_in(partial, target / agency)
            reports.append(_agency_report(report, directory))
            log.info("wrote the %s report to %s", agency, directory)
    finally:
        con.close()
    if keep is not None:
        _prune(reports_dir, keep)
    return reports


def _write_agency(
    con: duckdb.DuckDBPyConnection,
    agency: str,
    publication: Publication,
    directory: Path,
    province_names: dict[str, str],
    sample_rows: int,
    province_pages: bool,
) -> ReportData:
    report = collect(con, agency, publication, sample_rows=sample_rows)
    rejected = exports.rejected_rows(con, agency)
    rejected.write(con, directory / "rejected_rows.csv")
    _write_workbook(con, report, rejected, directory / "rejected_rows.xlsx")
    if agency == "dla":
        exports.laos_without_planning_budget(con).write(
            con, directory / "laos_without_planning_budget.csv"
        )

    provinces = directory / "provinces"
    provinces.mkdir()
    codes = [p["province_code"] for p in report.provinces if p["province_code"]]
    lists = {"rejected_rows.csv": rejected}
    if agency in PLAN_AGENCIES:
        lists["duplicated_items.csv"] = exports.duplicated_items(con, agency)
        lists["uncovered_dimensions.csv"] = exports.uncovered_dimensions(con, agency)
    for code in codes:
        for name, export in lists.items():
            export.write(con, provinces / f"{code}_{name}", province=code)
        if province_pages:
            one = collect(
                con,
                agency,
                publication,
                province=code,
                sample_rows=sample_rows,
                provinces=report.provinces,
            )
            one.files = [_file_entry(f"{code}_{name}", f"{code}_{name}") for name in lists] + [
                _file_entry("../rejected_rows.xlsx", "rejected_rows.xlsx")
            ]
            _write_text(provinces / f"{code}.html", html.render(one, province_names=province_names))

    report.files = [
        _file_entry(name, name)
        for name in FILE_DESCRIPTIONS
        if (directory / name).exists() or name in ("provinces/", "summary.json")
    ]
    _write_text(
        directory / "index.html",
        html.render(
            report,
            province_files=codes if province_pages else (),
            province_names=province_names,
        ),
    )
    _write_text(
        directory / "summary.json",
        json.dumps(_summary(report), ensure_ascii=False, indent=2, default=str),
    )
    return report


def _write_workbook(
    con: duckdb.DuckDBPyConnection, report: ReportData, rejected: exports.Export, path: Path
) -> None:
    header = [label for _, label in rejected.columns]
    write_xlsx(
        path,
        [
            Sheet(
                "แถวที่ไม่รับ rejected rows",
                header,
                (_typed(row) for row in rejected.rows(con)),
                widths=[8, 14, 20, 30, 12, 34, 30, 22, 50, 50, 40] + [18] * (len(header) - 11),
            ),
            Sheet(
                "เหตุผล reasons",
                ["รหัส / code", "เหตุผล / reason (th)", "reason (en)", "แถว / rows"],
                [
                    (r["reason_code"], r["reason_th"], r["reason_en"], r["n_rows"])
                    for r in report.reasons
                ],
                widths=[22, 60, 60, 10],
            ),
            Sheet(
                "รายจังหวัด provinces",
                [
                    "รหัสจังหวัด / province_code",
                    "จังหวัด / province",
                    "ได้รับ / received",
                    "รับเข้า / accepted",
                    "ไม่รับ / rejected",
                    "ถูกแทนที่ / replaced",
                ],
                [
                    (
                        p["province_code"],
                        p["name_th"],
                        p["rows_received"],
                        p["rows_accepted"],
                        p["rows_rejected"],
                        p["rows_superseded"],
                    )
                    for p in report.provinces
                ],
                widths=[12, 40, 12, 12, 12, 12],
            ),
        ],
    )


def _typed(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """In the workbook, a numeric row number is a number (so that the column sorts)."""
    source_row = row[4]
    if isinstance(source_row, str) and source_row.isascii() and source_row.isdigit():
        return (*row[:4], int(source_row), *row[5:])
    return row


def _file_entry(href: str, name: str) -> dict[str, str]:
    key = name.split("_", 1)[1] if name[:2].isdigit() else name
    th, en = FILE_DESCRIPTIONS.get(key, (name, name))
    return {"href": href, "name": name, "th": th, "en": en}


def _summary(report: ReportData) -> dict[str, Any]:
    return {
        "agency": report.agency,
        "agency_th": agency_th(report.agency),
        "publication": asdict(report.publication),
        "totals": report.totals,
        "reasons": [
            {key: r[key] for key in ("reason_code", "reason_th", "reason_en", "n_rows")}
            for r in report.reasons
        ],
        "provinces": report.provinces,
        "villages_unidentified": report.villages["n_rows"],
        "items": report.duplicates["n_items"],
        "items_duplicated": report.duplicates["n_duplicated"],
    }


def _write_text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def _swap_in(partial: Path, directory: Path) -> Path:
    """Replace `directory` by `partial` with renames (the old one is removed afterwards)."""
    old = directory.with_name(f".{directory.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if directory.exists():
        os.replace(directory, old)
    os.replace(partial, directory)
    shutil.rmtree(old, ignore_errors=True)
    return directory


def _prune(reports_dir: Path, keep: int) -> None:
    """Remove the reports of all but the `keep` latest publications (ids sort by time)."""
    if keep < 1:
        raise ValueError("keep must be at least 1: the reports just written")
    written = sorted(
        path
        for path in reports_dir.iterdir()
        if path.is_dir() and path.name != OUTBOX and not path.name.startswith(".")
    )
    for old in written[:-keep]:
        shutil.rmtree(old)


def _agency_report(report: ReportData, directory: Path) -> AgencyReport:
    totals = report.totals
    return AgencyReport(
        agency=report.agency,
        publication_id=report.publication.publication_id,
        directory=directory,
        files=tuple(sorted(p for p in directory.rglob("*") if p.is_file())),
        deliveries=int(totals["deliveries"]),
        deliveries_rejected=int(totals["deliveries_rejected"]),
        rows_received=int(totals["rows_read"]),
        rows_accepted=int(totals["rows_published"]),
        rows_rejected=int(totals["rows_quarantined"]),
        rows_superseded=int(totals["rows_superseded"]),
    )
