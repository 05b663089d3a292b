"""DOPA village registry (sources.md §1a): one snapshot of every village, checked as delivered.

The headman's name and phone are personal data: the suite never reads them.
"""

from __future__ import annotations

from expectations import delivered as d
from expectations import sql
from expectations.suite import build, delivered, derived, equal


def _code_text(column: str) -> str:
    """A code as staging reads it: Thai digits, blanks and a spreadsheet's .0 repaired."""
    return f"""regexp_replace(trim({sql.arabic_digits(f'"{column}"')}), '\\.0+$', '')"""


DATASET = "dopa/villages"
SUITE = build(
    DATASET,
    d.required_columns(DATASET),
    d.basics(DATASET),
    d.code("village_code", 8, "รหัสหมู่บ้าน", "village code"),
    delivered("village_code"),
    d.key(
        ("village_code",),
        "รหัสหมู่บ้านไม่ซ้ำกันในทะเบียนฉบับเดียวกัน",
        "No village code appears twice in one registry snapshot",
    ),
    d.code("subdistrict_code", 6, "รหัสตำบล", "subdistrict code"),
    derived("village_code_subdistrict", f"left({_code_text('village_code')}, 6)", "village_code"),
    derived("subdistrict_code_read", _code_text("subdistrict_code"), "subdistrict_code"),
    equal(
        "village_code_subdistrict",
        "subdistrict_code_read",
        "รหัสหมู่บ้าน 6 หลักแรกตรงกับรหัสตำบล",
        "The village code starts with its subdistrict code",
        d.FORMAT,
    ),
    # staging reads the registry's หมู่ที่ as a plain number (no ม. or หมู่ที่ here)
    d.malformed(
        "moo",
        rf"^{d.B}{d.D}{{1,3}}{d.B}$",
        "หมู่ที่เป็นตัวเลข",
        "The village number (หมู่ที่) is a number",
    ),
    derived(
        "village_code_moo",
        f"try_cast(right({_code_text('village_code')}, 2) as double)",
        "village_code",
    ),
    derived("moo_number", sql.whole_number('"moo"'), "moo"),
    equal(
        "village_code_moo",
        "moo_number",
        "หมู่ที่ตรงกับ 2 หลักท้ายของรหัสหมู่บ้าน",
        "The village number is the last two digits of the village code",
        d.FORMAT,
    ),
    d.filled("village_name", "ชื่อหมู่บ้าน", "village name"),
    d.filled("subdistrict_name", "ชื่อตำบล", "subdistrict name"),
    d.category(
        "status",
        {"ปกติ", "ตั้งใหม่", "ยกเลิก"},
        "สถานะเป็น ปกติ ตั้งใหม่ หรือ ยกเลิก",
        "The status is ปกติ, ตั้งใหม่ or ยกเลิก (active, new, dissolved)",
    ),
    d.date("effective_date", "วันที่มีผล", "effective date"),
)
