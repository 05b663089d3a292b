"""dim_district: one row per district (อำเภอ)."""

from __future__ import annotations

from expectations import published as p
from expectations.suite import Suite

REQUIRED = ("district_code", "name_th", "name_en", "province_code")
_province = p.known("province_code", "dim_province")

SUITE = Suite(
    name="warehouse/dim_district",
    required=REQUIRED,
    columns=(*p.as_is(*REQUIRED), _province[0]),
    checks=(
        p.agreed_columns(REQUIRED),
        *p.key("district_code", "รหัสอำเภอ"),
        p.digits("district_code", 4),
        p.required("name_th"),
        p.required("province_code"),
        _province[1],
    ),
)
