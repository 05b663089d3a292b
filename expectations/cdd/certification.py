"""CDD community-plan certification (sources.md §2b, sheet การรับรองมาตรฐาน), checked as delivered.

Levels are those of every scheme the certification_schemes seed knows (they change by year).
"""

from __future__ import annotations

from expectations import delivered as d
from expectations import sql
from expectations.suite import between, build, delivered, derived

DATASET = "cdd/certification"
SUITE = build(
    DATASET,
    d.required_columns(DATASET),
    d.basics(DATASET),
    d.filled("district_name", "ชื่ออำเภอ", "district"),
    d.filled("subdistrict_name", "ชื่อตำบล", "subdistrict"),
    d.filled("village_name", "ชื่อหมู่บ้าน/ชุมชน", "village or community"),
    d.moo(),
    delivered("moo"),
    d.key(
        ("district_name", "subdistrict_name", "moo", "village_name"),
        "แต่ละหมู่บ้าน/ชุมชนมีผลการรับรองแถวเดียว",
        "Each village or community is certified in one row",
    ),
    d.malformed(
        "score",
        rf"^{d.B}{d.D}{{1,3}}(\.{d.D}+)?{d.B}$",
        "คะแนนเป็นตัวเลข (เลขไทยอ่านได้)",
        "The score is a number (Thai digits are read)",
    ),
    derived(
        "score_number", f"""try_cast(trim({sql.arabic_digits('"score"')}) as double)""", "score"
    ),
    between(
        "score_number",
        0,
        100,
        "คะแนนอยู่ระหว่าง 0 ถึง 100",
        "The score lies between 0 and 100",
        d.FORMAT,
    ),
    d.category(
        "level",
        sql.certification_levels(),
        "ผลการรับรองเป็นระดับที่มีในเกณฑ์การรับรอง",
        "The certification result is a level of a known certification scheme",
    ),
    d.date("certified_on", "วันที่รับรอง", "certification date"),
)
