"""dim_province: one row per province."""

from __future__ import annotations

from expectations import published as p
from expectations.suite import Suite

REQUIRED = ("province_code", "name_th", "name_en")

SUITE = Suite(
    name="warehouse/dim_province",
    required=REQUIRED,
    columns=p.as_is(*REQUIRED),
    checks=(
        p.agreed_columns(REQUIRED),
        *p.key("province_code", "รหัสจังหวัด"),
        p.digits("province_code", 2),
        p.required("name_th"),
    ),
)
