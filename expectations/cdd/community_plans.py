"""CDD community plans (sources.md §2a, sheet แผนชุมชน), checked as delivered.

The village is named by district, subdistrict, number and name (no code): the names must be
there; prefixes, typos and look-alike letters are the matching's work, not a format error.
"""

from __future__ import annotations

from expectations import delivered as d
from expectations import sql
from expectations.suite import build, delivered

DATASET = "cdd/community_plans"
SUITE = build(
    DATASET,
    d.required_columns(DATASET),
    d.basics(DATASET),
    d.whole_number("seq", "ลำดับ", "sequence number (ลำดับ)"),
    delivered("seq"),
    d.key(
        ("seq",),
        "ลำดับไม่ซ้ำกัน (แถวซ้ำมักเกิดจากการส่งออกไฟล์ซ้ำ)",
        "No sequence number appears twice (a re-export duplicates rows)",
    ),
    d.filled("district_name", "ชื่ออำเภอ", "district"),
    d.filled("subdistrict_name", "ชื่อตำบล", "subdistrict"),
    d.filled("village_name", "ชื่อหมู่บ้าน/ชุมชน", "village or community"),
    d.moo(),
    d.title(),
    d.implementation(),
    d.category(
        "category",
        sql.source_categories("cdd"),
        "หมวดเป็นหมวดของแผนชุมชนที่รู้จัก",
        "The category (หมวด) is one of CDD's known categories",
    ),
    d.amount(),
    d.year("year", "ปีที่ดำเนินการ", "year of implementation"),
)
