"""bridge_lao_village: which villages and communities each LAO serves."""

from __future__ import annotations

from expectations import published as p
from expectations import sql
from expectations.suite import Suite

REQUIRED = ("lao_code", "village_code")
_lao = p.known("lao_code", "dim_lao")
_village = p.known("village_code", "dim_village")

SUITE = Suite(
    name="warehouse/bridge_lao_village",
    required=REQUIRED,
    columns=(*p.as_is(*REQUIRED, "kind"), _lao[0], _village[0]),
    checks=(
        p.agreed_columns(REQUIRED),
        p.grain(REQUIRED),
        p.required("lao_code"),
        p.required("village_code"),
        p.one_of("kind", sql.VILLAGE_KINDS),
        _lao[1],
        _village[1],
    ),
)
