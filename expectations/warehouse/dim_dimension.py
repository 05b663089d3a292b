"""dim_dimension: the seven canonical development dimensions."""

from __future__ import annotations

from expectations import published as p
from expectations import sql
from expectations.suite import Suite

REQUIRED = ("dimension_code", "name_th", "name_en")

SUITE = Suite(
    name="warehouse/dim_dimension",
    required=REQUIRED,
    columns=p.as_is(*REQUIRED),
    checks=(
        p.agreed_columns(REQUIRED),
        *p.key("dimension_code", "รหัสด้านการพัฒนา"),
        p.one_of("dimension_code", sql.DIMENSION_CODES),
        p.required("name_th"),
        p.required("name_en"),
    ),
)
