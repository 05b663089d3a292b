"""The report as one self-contained HTML page (Jinja2 template, inline CSS, inline SVG charts)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from report import charts
from report.data import VILLAGE_REASONS, ReportData
from report.labels import DATASET_NAMES, agency_th

TEMPLATES = Path(__file__).parent / "templates"
ACCEPTED = charts.Series("รับเข้า / accepted", "#2e7d32")
REJECTED = charts.Series("ไม่รับ / rejected", "#c62828")
SUPERSEDED = charts.Series("ถูกแทนที่ / replaced", "#9aa5b1")


@cache
def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(
        n=_number,
        pct=_percent,
        baht=_baht,
        dataset_th=lambda dataset: DATASET_NAMES.get(dataset, (dataset, dataset))[0],
        agency_th=agency_th,
    )
    return environment


def render(
    report: ReportData,
    *,
    province_files: Collection[str] = (),
    province_names: Mapping[str, str] | None = None,
) -> str:
    """The page; `province_files` are the province codes that have a page of their own."""
    environment = _environment()
    return environment.get_template("report.html.j2").render(
        r=report,
        css=(TEMPLATES / "report.css").read_text(encoding="utf-8"),
        charts=_charts(report),
        village_reasons=VILLAGE_REASONS,
        province_files=set(province_files),
        province_names=dict(province_names or {}),
    )


def _charts(report: ReportData) -> dict[str, Any]:
    rows = [
        charts.Row(
            row["name_th"] if row["province_code"] else "ไม่แยกจังหวัด / not by province",
            [row["rows_accepted"], row["rows_rejected"], row["rows_superseded"]],
            f"รับ {row['rows_accepted']:,} · ไม่รับ {row['rows_rejected']:,}"
            f" ({_percent(row['rows_rejected'], row['rows_received'])})"
            + (f" · แทนที่ {row['rows_superseded']:,}" if row["rows_superseded"] else ""),
        )
        for row in report.provinces
    ]
    provinces = [
        charts.stacked_bars(
            "แถวที่รับเข้าและไม่รับ รายจังหวัด / rows accepted and rejected by province",
            [ACCEPTED, REJECTED, SUPERSEDED],
            chunk,
            scale=max((sum(row.values) for row in rows), default=0),
        )
        for chunk in charts.chunks(rows)
    ]
    reasons = charts.stacked_bars(
        "แถวที่ไม่รับ ตามเหตุผล / rejected rows by reason",
        [REJECTED],
        [
            charts.Row(
                row["reason_th"] or row["reason_code"], [row["n_rows"]], f"{row['n_rows']:,}"
            )
            for row in report.reasons
        ],
    )
    coverage = charts.grouped_bars(
        "ร้อยละของหมู่บ้าน-ปีที่มีแผนในแต่ละด้าน / share of village-years planned, by dimension",
        [
            charts.Series(f"แผนของ{report.agency_th} / your plans", "#1f5f99"),
            charts.Series("ทุกหน่วยงาน / any agency", "#9ec5e8"),
        ],
        [
            charts.Row(row["name_th"], [row["pct_agency"], row["pct_any"]])
            for row in report.coverage
        ],
        percent=True,
    )
    needs = charts.grouped_bars(
        "หมู่บ้าน-ปีที่มีความต้องการ และที่ไม่มีแผนรองรับ / village-years in need, and unanswered",
        [
            charts.Series("มีความต้องการ / in need", "#b26a00"),
            charts.Series("ไม่มีแผนรองรับ / no plan", "#c62828"),
        ],
        [charts.Row(row["name_th"], [row["n_in_need"], row["n_unmet"]]) for row in report.needs],
    )
    return {"provinces": provinces, "reasons": reasons, "coverage": coverage, "needs": needs}


def _number(value: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, float | Decimal):
        return f"{value:,.0f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _percent(part: object, whole: object) -> str:
    if not isinstance(part, int | float | Decimal) or not isinstance(whole, int | float | Decimal):
        return "–"
    return f"{100 * float(part) / float(whole):.1f}%" if whole else "–"


def _baht(value: object) -> str:
    if value is None:
        return "–"
    return f"{Decimal(str(value)):,.2f}" if isinstance(value, int | float | Decimal) else str(value)
