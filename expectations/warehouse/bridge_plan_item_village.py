"""bridge_plan_item_village: every village (or community) a plan item targets."""

from __future__ import annotations

from expectations import published as p
from expectations.suite import Suite

REQUIRED = ("plan_item_id", "village_code")
_item = p.known("plan_item_id", "fct_plan_item")
_village = p.known("village_code", "dim_village")

SUITE = Suite(
    name="warehouse/bridge_plan_item_village",
    required=REQUIRED,
    columns=(*p.as_is(*REQUIRED), _item[0], _village[0]),
    checks=(
        p.agreed_columns(REQUIRED),
        p.grain(REQUIRED),
        p.required("plan_item_id"),
        p.required("village_code"),
        _item[1],
        _village[1],
    ),
)
