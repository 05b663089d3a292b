"""dim_subdistrict: one row per subdistrict (ตำบล)."""

from __future__ import annotations

from expectations import published as p
from expectations.suite import Suite

REQUIRED = ("subdistrict_code", "name_th", "name_en", "district_code", "province_code")
_district = p.known("district_code", "dim_district")
_province = p.known("province_code", "dim_province")

SUITE = Suite(
    name="warehouse/dim_subdistrict",
    required=REQUIRED,
    columns=(*p.as_is(*REQUIRED), _district[0], _province[0]),
    checks=(
        p.agreed_columns(REQUIRED),
        *p.key("subdistrict_code", "รหัสตำบล"),
        p.digits("subdistrict_code", 6),
        p.required("name_th"),
        p.required("district_code"),
        _district[1],
        _province[1],
    ),
)
