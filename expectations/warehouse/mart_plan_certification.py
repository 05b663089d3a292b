"""mart_plan_certification: CDD certification per village and fiscal year."""

from __future__ import annotations

from expectations import published as p
from expectations import sql
from expectations.suite import Suite, between, in_set

REQUIRED = ("village_code", "fiscal_year", "level", "score", "certified_on", "scheme_year")
_village = p.known("village_code", "dim_village")

SUITE = Suite(
    name="warehouse/mart_plan_certification",
    required=REQUIRED,
    columns=(
        *p.as_is("village_code", "kind", "level", "has_certification"),
        p.number("fiscal_year"),
        p.number("score"),
        _village[0],
    ),
    checks=(
        p.agreed_columns(REQUIRED),
        p.grain(("village_code", "fiscal_year")),
        p.required("village_code"),
        _village[1],
        *p.fiscal_year(),
        p.one_of("kind", sql.VILLAGE_KINDS),
        p.required("has_certification"),
        between("score", 0, 100, "คะแนนอยู่ระหว่าง 0 ถึง 100", "The score lies between 0 and 100"),
        in_set(
            "level",
            sql.certification_levels(),
            "ระดับการรับรองเป็นระดับที่มีในเกณฑ์การรับรอง",
            "The level is one of a certification scheme's levels",
        ),
    ),
    empty_until_delivered=True,
)
