"""dim_village: one row per village (and municipal community) version. No personal data."""

from __future__ import annotations

from expectations import published as p
from expectations import sql
from expectations.suite import Suite, between, derived, equal, unique

REQUIRED = (
    "village_code",
    "moo",
    "name_th",
    "subdistrict_code",
    "district_code",
    "province_code",
    "kind",
    "status",
    "valid_from",
    "valid_to",
    "is_current",
)
_subdistrict = p.known("subdistrict_code", "dim_subdistrict")
_province = p.known("province_code", "dim_province")

SUITE = Suite(
    name="warehouse/dim_village",
    required=REQUIRED,
    columns=(
        *p.as_is("village_code", "name_th", "subdistrict_code", "district_code", "province_code"),
        *p.as_is("kind", "status", "valid_from"),
        p.number("moo"),
        derived("valid_days", "cast(datediff('day', valid_from, valid_to) as double)", "valid_from", "valid_to"),
        derived("current_village_code", "case when is_current then village_code end", "is_current", "village_code"),
        derived(
            "village_code_subdistrict",
            "case when kind = 'village' then left(village_code, 6) end",
            "kind",
            "village_code",
        ),
        _subdistrict[0],
        _province[0],
    ),
    checks=(
        p.agreed_columns(REQUIRED),
        p.required("village_code"),
        p.village_key(),
        p.grain(("village_code", "valid_from")),
        unique(
            "current_village_code",
            "แต่ละหมู่บ้านมีฉบับปัจจุบัน (is_current) ฉบับเดียว",
            "Each village has one current version",
        ),
        p.required("name_th"),
        p.required("kind"),
        p.one_of("kind", sql.VILLAGE_KINDS),
        p.required("status"),
        p.one_of("status", {"active", "new", "dissolved"}),
        between("moo", 1, 99, "หมู่ที่อยู่ระหว่าง 1 ถึง 99", "The village number lies between 1 and 99"),
        p.required("valid_from"),
        between(
            "valid_days",
            0,
            None,
            "วันสิ้นสุด (valid_to) ไม่ก่อนวันเริ่ม (valid_from)",
            "valid_to is not before valid_from",
        ),
        p.digits("subdistrict_code", 6),
        equal(
            "village_code_subdistrict",
            "subdistrict_code",
            "รหัสหมู่บ้าน 6 หลักแรกตรงกับรหัสตำบล",
            "A village code starts with its subdistrict code",
        ),
        p.digits("district_code", 4),
        p.digits("province_code", 2),
        _subdistrict[1],
        _province[1],
    ),
)
