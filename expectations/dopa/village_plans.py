"""DOPA village development plans (sources.md §1b), checked as delivered."""

from __future__ import annotations

from expectations import delivered as d
from expectations import sql
from expectations.suite import build, delivered

DATASET = "dopa/village_plans"
# ด้าน with or without the leading word ด้าน (staging adds it back)
_GROUPS = sql.source_categories("dopa")

SUITE = build(
    DATASET,
    d.required_columns(DATASET),
    d.basics(DATASET),
    d.code("village_code", 8, "รหัสหมู่บ้าน", "village code"),
    d.year("fiscal_year", "ปีงบประมาณ", "fiscal year"),
    d.whole_number("seq", "ลำดับ", "sequence number (ลำดับ)"),
    delivered("village_code"),
    delivered("fiscal_year"),
    delivered("seq"),
    d.key(
        ("village_code", "fiscal_year", "seq"),
        "รหัสหมู่บ้าน ปีงบประมาณ และลำดับ ไม่ซ้ำกัน (แถวซ้ำมักเกิดจากการส่งออกไฟล์ซ้ำ)",
        "Village code, fiscal year and sequence number identify one row (a re-export duplicates rows)",
    ),
    d.title(),
    d.category(
        "dimension_group",
        _GROUPS | {g.removeprefix("ด้าน") for g in _GROUPS},
        "ด้านเป็นด้านของคณะกรรมการหมู่บ้านที่รู้จัก (มีหรือไม่มีคำว่า ด้าน ก็ได้)",
        "The ด้าน is a known village-committee working group (with or without the word ด้าน)",
    ),
    d.amount(),
    d.implementation(),
    d.date("assembly_date", "วันที่ประชาคม", "assembly date"),
)
