"""DLA registry of local administrative organisations (sources.md §3a), checked as delivered."""

from __future__ import annotations

from expectations import delivered as d
from expectations.suite import build, delivered, derived, in_set

DATASET = "dla/laos"
# The type as staging reads it (macro dla_lao_type_en): dots and spaces ignored, full names and
# the usual abbreviations accepted.
LAO_TYPES = {
    "อบจ",
    "องค์การบริหารส่วนจังหวัด",
    "เทศบาลนคร",
    "ทน",
    "เทศบาลเมือง",
    "ทม",
    "เทศบาลตำบล",
    "ทต",
    "อบต",
    "องค์การบริหารส่วนตำบล",
}
# หมู่ที่รับผิดชอบ: ทั้งตำบล, or numbers and ranges (1-5,7; ๑,๒,๓; ม.1-4) as staging reads them.
_NUMBERS = rf"{d.D}+(\s*-\s*{d.D}+)?(\s*(,|และ)\s*{d.D}+(\s*-\s*{d.D}+)?)*"
MOO_SERVED = rf"^{d.B}(ทั้งตำบล|ทุกหมู่.*|(หมู่ที่|หมู่|ม\.)?{d.B}{_NUMBERS}){d.B}$"

SUITE = build(
    DATASET,
    d.required_columns(DATASET),
    d.basics(DATASET),
    d.code("lao_code", 7, "รหัส อปท.", "LAO code"),
    d.code("subdistrict_code", 6, "รหัสตำบล", "subdistrict code"),
    delivered("lao_code"),
    delivered("subdistrict_code"),
    d.key(
        ("lao_code", "subdistrict_code"),
        "แต่ละ อปท. มีแถวเดียวต่อตำบลที่รับผิดชอบ",
        "Each LAO has one row per subdistrict it serves",
    ),
    d.filled("lao_name", "ชื่อ อปท.", "LAO name"),
    derived("lao_type", """regexp_replace("lao_type", '[\\s.]', '', 'g')""", "lao_type"),
    in_set(
        "lao_type",
        LAO_TYPES,
        "ประเภท อปท. เป็น อบจ. เทศบาลนคร เทศบาลเมือง เทศบาลตำบล หรือ อบต.",
        "The LAO type is อบจ., เทศบาลนคร, เทศบาลเมือง, เทศบาลตำบล or อบต.",
        d.FORMAT,
    ),
    d.malformed(
        "moo_served",
        MOO_SERVED,
        "หมู่ที่รับผิดชอบเป็น ทั้งตำบล หรือรายการหมู่ที่ เช่น 1-5,7",
        "The villages served are ทั้งตำบล (all) or a list of village numbers such as 1-5,7",
    ),
)
