"""dim_lao: one row per local administrative organisation."""

from __future__ import annotations

from expectations import published as p
from expectations import sql
from expectations.suite import Suite

REQUIRED = ("lao_code", "name_th", "lao_type", "province_code")
_province = p.known("province_code", "dim_province")

SUITE = Suite(
    name="warehouse/dim_lao",
    required=REQUIRED,
    columns=(*p.as_is(*REQUIRED), _province[0]),
    checks=(
        p.agreed_columns(REQUIRED),
        *p.key("lao_code", "รหัส อปท."),
        p.digits("lao_code", 7),
        p.required("name_th"),
        p.required("lao_type"),
        p.one_of("lao_type", sql.LAO_TYPES),
        p.digits("province_code", 2),
        _province[1],
    ),
)
