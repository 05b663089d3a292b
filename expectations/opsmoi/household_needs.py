"""OPS MOI household needs by village (sources.md §4a), one CKAN record each, checked as pulled."""

from __future__ import annotations

from expectations import delivered as d
from expectations import sql
from expectations.suite import at_least, between, build, delivered, derived

DATASET = "opsmoi/household_needs"
SUITE = build(
    DATASET,
    d.required_columns(DATASET),
    d.basics(DATASET),
    delivered("_id"),
    d.key(("_id",), "รหัสระเบียน (_id) ไม่ซ้ำกัน", "No record id (_id) appears twice"),
    d.code("village_code", 8, "รหัสหมู่บ้าน", "village code"),
    d.year("survey_year", "ปีที่สำรวจ", "survey year"),
    d.category(
        "dimension",
        sql.source_categories("opsmoi"),
        "มิติความต้องการเป็น สุขภาพ ความเป็นอยู่ การศึกษา รายได้ หรือ การเข้าถึงบริการรัฐ",
        "The need dimension is สุขภาพ, ความเป็นอยู่, การศึกษา, รายได้ or การเข้าถึงบริการรัฐ",
    ),
    delivered("village_code"),
    delivered("survey_year"),
    d.key(
        ("village_code", "survey_year", "dimension"),
        "แต่ละหมู่บ้านมีแถวเดียวต่อปีที่สำรวจและมิติ",
        "Each village has one record per survey year and dimension",
    ),
    d.whole_number("households_surveyed", "จำนวนครัวเรือนที่สำรวจ", "number of households surveyed"),
    d.whole_number(
        "households_in_need", "จำนวนครัวเรือนที่มีความต้องการ", "number of households in need"
    ),
    derived(
        "households_surveyed_n", sql.whole_number('"households_surveyed"'), "households_surveyed"
    ),
    derived("households_in_need_n", sql.whole_number('"households_in_need"'), "households_in_need"),
    between(
        "households_surveyed_n",
        1,
        None,
        "สำรวจอย่างน้อยหนึ่งครัวเรือน",
        "At least one household was surveyed",
        d.FORMAT,
    ),
    at_least(
        "households_surveyed_n",
        "households_in_need_n",
        "ครัวเรือนที่มีความต้องการไม่เกินครัวเรือนที่สำรวจ",
        "No more households in need than households surveyed",
        d.FORMAT,
    ),
)
