"""Pieces the delivery suites share: the agreed columns, rows split into them, codes, titles,
amounts, years and value lists, each read the way staging reads it (expectations.sql), so that
what the pipeline repairs (Thai digits, a CE year, `1,500,000.00 บาท`, a spreadsheet's `.0`) is
not counted against the agency.

Delivery suites measure an agency's data quality for its report: every check has a `mostly`
threshold that a normal delivery passes (the simulator's default defects stay well inside it)
and a badly broken one does not. Each helper returns a part for `suite.build`: the derived
columns a check reads, with the check.
"""

from __future__ import annotations

from expectations import sql
from expectations.suite import (
    Check,
    Column,
    Part,
    between,
    columns_present,
    derived,
    in_set,
    not_empty,
    not_null,
    null,
    unique,
    unique_together,
)
from ingest.datasets import DATASETS

# Thresholds: how much of a delivery may be off before the check fails.
FORMAT = 0.99  # codes, numbers and value lists: a slip, not a habit
CONTENT = 0.98  # titles, years, categories: what the agency's staff type by hand
KEY = 0.95  # natural keys: a re-export duplicates rows, and every copy counts as unexpected

# Patterns for DuckDB (RE2) on the delivered text. Blank around a value and Thai digits are
# repaired, so they are accepted.
B = sql.BLANK
D = sql.DIGIT
WHOLE = rf"^{B}{D}[0-9๐-๙,]*(\.0+)?{B}$"
# หมู่ที่ as typed: 3, ๓, ม.3, หมู่ 3, หมู่ที่ 3, 3.0 (macro plan_moo).
MOO = rf"^{B}(หมู่ที่|หมู่|ม\.)?{B}{D}{{1,3}}(\.0+)?{B}$"
_MONTHS = (
    r"ม\.ค\.|ก\.พ\.|มี\.ค\.|เม\.ย\.|พ\.ค\.|มิ\.ย\.|ก\.ค\.|ส\.ค\.|ก\.ย\.|ต\.ค\.|พ\.ย\.|ธ\.ค\."
    "|มกราคม|กุมภาพันธ์|มีนาคม|เมษายน|พฤษภาคม|มิถุนายน|กรกฎาคม|สิงหาคม|กันยายน|ตุลาคม|พฤศจิกายน|ธันวาคม"
)
# A date as staging reads it (macro be_date): d/m/yyyy (BE), d เดือน yyyy, or an ISO date cell.
DATE = (
    rf"^{B}({D}{{1,2}}/{D}{{1,2}}/{D}{{4}}|{D}{{1,2}}\s+({_MONTHS})\s+{D}{{4}}"
    rf"|[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}([T ]00:00:00)?){B}$"
)


def required_columns(dataset: str) -> tuple[str, ...]:
    return tuple(c.name for c in DATASETS[dataset].columns if c.required)


def basics(dataset: str) -> Part:
    """What every delivery must be: the agreed columns, some rows, rows split into the columns
    (`_problem` is the raw table's note on a row that could not be split)."""
    return (
        columns_present(
            required_columns(dataset),
            "มีคอลัมน์ครบตามที่ตกลงไว้ (ชื่อหัวคอลัมน์แบบอื่นที่รู้จักก็รับได้)",
            "Every agreed column is there (known variants of a header are accepted)",
        ),
        not_empty("ไฟล์มีข้อมูลอย่างน้อยหนึ่งแถว", "The delivery holds at least one row"),
        # the note without the row's own text, which may hold anything (a headman's phone)
        derived(
            "_problem",
            """case when "_problem" is not null then coalesce(nullif(regexp_extract(
                "_problem", '^expected \\d+ fields, found \\d+'), ''), 'cannot be split') end""",
            "_problem",
        ),
        null(
            "_problem",
            "ทุกแถวแยกได้เป็นคอลัมน์ครบตามที่ตกลง (ไม่มีแถวที่จำนวนคอลัมน์ผิด)",
            "Every row splits into the agreed columns (no row with the wrong number of cells)",
            FORMAT,
        ),
    )


def malformed(column: str, pattern: str, th: str, en: str, mostly: float = FORMAT) -> Part:
    """`<column>_malformed`: the delivered value where it does not match the agreed form (a
    pattern; DuckDB's RE2, on every core), and the expectation that it is null."""
    return unreadable(column, f"regexp_matches(\"{column}\", '{pattern}')", th, en, mostly)


def unreadable(column: str, readable: str, th: str, en: str, mostly: float = FORMAT) -> Part:
    """`<column>_malformed`: the delivered value where `readable` (SQL) does not hold (null where
    it does, or the value is empty), and the expectation that it is null.

    DuckDB decides and GE checks the result: GE's own regex expectation runs Python's re row by
    row, about a minute of CPU over a national delivery set. The unexpected values GE reports
    are the malformed values themselves."""
    value = f'"{column}"'
    name = f"{column}_malformed"
    return (
        derived(
            name,
            f"case when trim({value}) <> '' and not coalesce({readable}, false) then {value} end",
            column,
        ),
        null(name, th, en, mostly),
    )


def code(column: str, digits: int, name_th: str, name_en: str) -> Part:
    return malformed(
        column,
        sql.code_regex(digits),
        f"{name_th}เป็นตัวเลข {digits} หลัก (เลขไทยและ .0 จากสเปรดชีตอ่านได้ ระบบแก้ให้)",
        f"The {name_en} has {digits} digits (Thai digits and a spreadsheet's .0 are read and repaired)",
    )


def whole_number(column: str, name_th: str, name_en: str) -> Part:
    return malformed(
        column,
        WHOLE,
        f"{name_th}เป็นจำนวนเต็มไม่ติดลบ (เลขไทยอ่านได้)",
        f"The {name_en} is a whole number, not negative (Thai digits are read)",
    )


def date(column: str, name_th: str, name_en: str) -> Part:
    return malformed(
        column,
        DATE,
        f"{name_th}เป็นวันที่ (วัน/เดือน/ปี พ.ศ. ชื่อเดือนภาษาไทย หรือช่องวันที่)",
        f"The {name_en} is a date (d/m/yyyy BE, a Thai month name, or a date cell)",
        CONTENT,
    )


def text(column: str) -> Column:
    """A free text; blank (only spaces, dots or dashes) counts as missing, as titles in staging."""
    return derived(
        column,
        f"""case when regexp_matches(coalesce("{column}", ''), '^[\\s\\x{{00a0}}.\\-]*$') """
        f"""then null else "{column}" end""",
        column,
    )


def filled(column: str, name_th: str, name_en: str, mostly: float = FORMAT) -> Part:
    return text(column), not_null(
        column, f"มี{name_th}ทุกแถว", f"Every row has its {name_en}", mostly
    )


def title(column: str = "project_name") -> Part:
    return filled(column, "ชื่อโครงการ", "project title", CONTENT)


def amount(column: str = "budget") -> Part:
    """The delivered amount reads as baht, and lies between 0 and the plausible maximum."""
    parsed = f"{column}_thb"
    return (
        unreadable(
            column,
            sql.readable_amount(f'"{column}"'),
            "งบประมาณอ่านเป็นจำนวนเงินได้ (จุลภาค ทศนิยม เลขไทย คำว่า บาท หรือ - แทนศูนย์ ระบบแก้ให้)",
            "The budget reads as an amount (separators, decimals, Thai digits, บาท, - for zero are repaired)",
        ),
        derived(parsed, sql.baht(f'"{column}"'), column),
        between(
            parsed,
            0,
            sql.MAX_BUDGET_THB,
            "งบประมาณไม่ติดลบและไม่เกิน 500 ล้านบาทต่อรายการ",
            "The budget is not negative and at most 500 million baht per item",
            FORMAT,
        ),
    )


def year(column: str, name_th: str, name_en: str) -> Part:
    """A BE year as delivered (CE and Thai digits are repaired), within the plausible window."""
    low, high = sql.year_window()
    parsed = f"{column}_be"
    return (
        unreadable(
            column,
            sql.be_year(f'"{column}"') + " is not null",
            f"{name_th}เป็นปี 4 หลัก (ปี ค.ศ. และเลขไทยอ่านได้ ระบบแก้ให้)",
            f"The {name_en} is a 4-digit year (CE years and Thai digits are repaired)",
        ),
        derived(parsed, sql.be_year(f'"{column}"'), column),
        between(
            parsed,
            low,
            high,
            f"{name_th}อยู่{sql.in_window_th(low, high)}",
            f"The {name_en} lies between {low} and {high} BE",
            CONTENT,
        ),
    )


def category(column: str, values: set[str] | frozenset[str], th: str, en: str) -> Part:
    """A value from an agreed list; spaces and zero-width characters do not count."""
    return (
        derived(column, sql.compact(f'"{column}"'), column),
        in_set(column, sql.compacted(set(values)), th, en, CONTENT),
    )


def implementation() -> Part:
    return category(
        "implementation",
        sql.IMPLEMENTATIONS_TH,
        "วิธีดำเนินการเป็น ทำเอง ทำร่วม หรือ ขอ(รับการ)สนับสนุน",
        "The implementation is ทำเอง, ทำร่วม or ขอ(รับการ)สนับสนุน (self, joint, support)",
    )


def moo(column: str = "moo") -> Part:
    return malformed(
        column,
        MOO,
        "หมู่ที่เป็นตัวเลข (ม. หมู่ หมู่ที่ และเลขไทยอ่านได้ ว่างได้สำหรับชุมชน)",
        "The village number is a number (ม., หมู่, หมู่ที่ and Thai digits are read; empty for a community)",
    )


def key(columns: tuple[str, ...], th: str, en: str) -> Check:
    """The natural key is unique within the delivery (the columns must be in the frame)."""
    if len(columns) == 1:
        return unique(columns[0], th, en, KEY)
    return unique_together(columns, th, en, KEY)
