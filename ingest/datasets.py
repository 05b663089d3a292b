"""The datasets the agencies deliver (shared/design/sources.md) and how their headers read.

Raw tables keep every delivered value as text; only the column *names* are fixed here, from
the agreed Thai header (or a known variant of it) to a stable ASCII name that dbt staging
selects. The delivered header text is kept in the manifest.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str  # raw column name
    header: str  # the agreed Thai header
    aliases: tuple[str, ...] = ()  # known variants seen in real exports
    required: bool = True


@dataclass(frozen=True)
class Dataset:
    key: str  # <agency>/<dataset>
    kind: str  # delimited | workbook | api
    columns: tuple[Column, ...]
    file_pattern: str | None = None  # regex on the delivered name; groups hint province/fy/snapshot
    delimiter: str = ","
    trailing_delimiter: bool = False
    sheet: str | None = None  # workbook sheet

    @property
    def agency(self) -> str:
        return self.key.split("/")[0]

    @property
    def table(self) -> str:
        """The raw table's name: raw.<agency>__<dataset>."""
        return self.key.replace("/", "__")

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


def header_key(text: object) -> str:
    """A header cell reduced for comparison: NFC, no spaces or zero-width characters."""
    value = unicodedata.normalize("NFC", str(text or ""))
    return re.sub(r"[\s\u200b\u200c\u200d\ufeff]+", "", value)


DATASETS: dict[str, Dataset] = {
    d.key: d
    for d in (
        Dataset(
            "dopa/villages",
            "delimited",
            (
                Column("village_code", "รหัสหมู่บ้าน"),
                Column("moo", "หมู่ที่"),
                Column("village_name", "ชื่อหมู่บ้าน"),
                Column("subdistrict_code", "รหัสตำบล"),
                Column("subdistrict_name", "ชื่อตำบล"),
                Column("district_name", "ชื่ออำเภอ"),
                Column("province_name", "ชื่อจังหวัด"),
                Column("status", "สถานะ"),
                Column("effective_date", "วันที่มีผล"),
                # Personal data: kept in the work database only, never published or logged.
                Column("headman_name", "ชื่อผู้ใหญ่บ้าน", required=False),
                Column("headman_phone", "โทรศัพท์", ("เบอร์โทรศัพท์",), required=False),
            ),
            r"^villages_(?P<snapshot>\d{8})\.txt$",
            delimiter="|",
            trailing_delimiter=True,
        ),
        Dataset(
            "dopa/village_plans",
            "delimited",
            (
                Column("village_code", "รหัสหมู่บ้าน"),
                Column("fiscal_year", "ปีงบประมาณ"),
                Column("seq", "ลำดับ"),
                Column("project_name", "ชื่อโครงการ", ("ชื่อโครงการ/กิจกรรม",)),
                Column("dimension_group", "ด้าน"),
                Column("budget", "งบประมาณ(บาท)", ("งบประมาณ",)),
                Column("funding_source", "แหล่งงบประมาณ", required=False),
                Column("implementation", "วิธีดำเนินการ"),
                Column("responsible", "ผู้รับผิดชอบ", required=False),
                Column("assembly_date", "วันที่ประชาคม", required=False),
            ),
            r"^village_plans_(?P<fiscal_year>\d{4})_(?P<province>\d{2})\.csv$",
        ),
        Dataset(
            "cdd/community_plans",
            "workbook",
            (
                Column("seq", "ลำดับ"),
                Column("district_name", "อำเภอ"),
                Column("subdistrict_name", "ตำบล"),
                Column("moo", "หมู่ที่"),
                Column("village_name", "ชื่อหมู่บ้าน/ชุมชน", ("ชื่อหมู่บ้าน", "หมู่บ้าน/ชุมชน")),
                Column("project_name", "ชื่อโครงการ/กิจกรรม", ("ชื่อโครงการ", "โครงการ/กิจกรรม")),
                Column("implementation", "ประเภท"),
                Column("category", "หมวด"),
                Column("budget", "งบประมาณ (บาท)", ("งบประมาณ",)),
                Column("year", "ปีที่ดำเนินการ"),
                Column("requested_from", "หน่วยงานที่ขอรับการสนับสนุน", required=False),
            ),
            r"^community_plans_(?P<fiscal_year>\d{4})_(?P<province>\d{2})\.xlsx$",
            sheet="แผนชุมชน",
        ),
        Dataset(
            "cdd/certification",
            "workbook",
            (
                Column("district_name", "อำเภอ"),
                Column("subdistrict_name", "ตำบล"),
                Column("moo", "หมู่ที่"),
                Column("village_name", "ชื่อหมู่บ้าน/ชุมชน", ("ชื่อหมู่บ้าน", "หมู่บ้าน/ชุมชน")),
                Column("score", "คะแนน"),
                Column("level", "ผลการรับรอง"),
                Column("certified_on", "วันที่รับรอง", required=False),
            ),
            r"^community_plans_(?P<fiscal_year>\d{4})_(?P<province>\d{2})\.xlsx$",
            sheet="การรับรองมาตรฐาน",
        ),
        Dataset(
            "dla/laos",
            "delimited",
            (
                Column("lao_code", "รหัส อปท."),
                Column("lao_name", "ชื่อ อปท."),
                Column("lao_type", "ประเภท อปท."),
                Column("subdistrict_code", "รหัสตำบล"),
                Column("moo_served", "หมู่ที่รับผิดชอบ"),
            ),
            r"^laos_(?P<snapshot>\d{8})\.csv$",
        ),
        Dataset(
            "dla/plan_projects",
            "api",
            tuple(
                Column(name, name)
                for name in (
                    "lao_code",
                    "period",
                    "edition",
                    "project_id",
                    "strategy",
                    "program",
                    "project_name",
                    "objective",
                    "target",
                    "budget",
                    "kpi",
                    "expected_result",
                    "responsible_unit",
                    "updated_at",
                )
            ),
        ),
        Dataset(
            "opsmoi/household_needs",
            "api",
            tuple(
                Column(name, name)
                for name in (
                    "_id",
                    "village_code",
                    "survey_year",
                    "dimension",
                    "households_surveyed",
                    "households_in_need",
                )
            ),
        ),
    )
}
# The workbook's two sheets arrive as one file: the plans' delivery also feeds certification.
WORKBOOK_COMPANIONS = {"cdd/community_plans": ("cdd/certification",)}
# Personal data (sources.md §1a): kept in the raw registry as delivered, never shown, reported,
# exported or published.
PERSONAL_COLUMNS = frozenset({"headman_name", "headman_phone"})
LANDING_DATASETS = ("dopa/villages", "dopa/village_plans", "cdd/community_plans", "dla/laos")


@dataclass(frozen=True)
class HeaderMatch:
    positions: dict[str, int]  # raw column -> position in the delivered header
    renamed: dict[str, str]  # delivered header text -> agreed header, where a variant was used
    missing: list[str]  # agreed headers of required columns not found
    extra: list[str]  # delivered headers nobody asked for

    @property
    def score(self) -> int:
        return len(self.positions)


def match_header(dataset: Dataset, cells: list[object]) -> HeaderMatch:
    """Which delivered column holds which raw column (agreed header first, then variants)."""
    keys = [header_key(c) for c in cells]
    positions: dict[str, int] = {}
    renamed: dict[str, str] = {}
    for column in dataset.columns:
        for candidate in (column.header, *column.aliases):
            key = header_key(candidate)
            if key in keys and keys.index(key) not in positions.values():
                at = keys.index(key)
                positions[column.name] = at
                if str(cells[at]) != column.header:
                    renamed[str(cells[at])] = column.header
                break
    missing = [c.header for c in dataset.columns if c.required and c.name not in positions]
    used = set(positions.values())
    extra = [str(cells[i]) for i, k in enumerate(keys) if k and i not in used]
    return HeaderMatch(positions, renamed, missing, extra)


def best_other(dataset: Dataset, cells: list[object]) -> str | None:
    """Another dataset whose header this is (a file sent to the wrong folder)."""
    own = match_header(dataset, cells)
    best, best_score = None, own.score
    for other in DATASETS.values():
        if other.key == dataset.key or other.kind == "api":
            continue
        match = match_header(other, cells)
        if not match.missing and match.score > best_score:
            best, best_score = other.key, match.score
    return best
