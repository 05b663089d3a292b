"""mart_village_plan_coverage: needs against plans per village and fiscal year."""

from __future__ import annotations

from expectations import published as p
from expectations import sql
from expectations.suite import Suite, at_least, between

NEEDS = ("hlt", "soc", "edu", "eco", "gov")
REQUIRED = (
    "village_code",
    "fiscal_year",
    "dimensions_planned",
    "dimensions_missing",
    "households_surveyed",
    *(f"households_in_need_{n}" for n in NEEDS),
    *(f"unmet_need_{n}" for n in NEEDS),
)
_village = p.known("village_code", "dim_village")

SUITE = Suite(
    name="warehouse/mart_village_plan_coverage",
    required=REQUIRED,
    columns=(
        *p.as_is("village_code", "kind"),
        *(
            p.number(c)
            for c in (
                "fiscal_year",
                "n_dimensions_planned",
                "n_plan_items",
                "budget_thb",
                "households_surveyed",
                "n_unmet_needs",
                *(f"households_in_need_{n}" for n in NEEDS),
            )
        ),
        _village[0],
    ),
    checks=(
        p.agreed_columns(REQUIRED),
        p.grain(("village_code", "fiscal_year")),
        p.required("village_code"),
        _village[1],
        *p.fiscal_year(),
        p.one_of("kind", sql.VILLAGE_KINDS),
        between(
            "n_dimensions_planned",
            0,
            7,
            "จำนวนด้านที่มีแผนอยู่ระหว่าง 0 ถึง 7",
            "Between 0 and 7 dimensions are planned",
        ),
        between("n_plan_items", 0, None, "จำนวนรายการแผนไม่ติดลบ", "n_plan_items is not negative"),
        p.amount("budget_thb"),
        between(
            "households_surveyed",
            0,
            None,
            "จำนวนครัวเรือนที่สำรวจไม่ติดลบ",
            "households_surveyed is not negative",
        ),
        between(
            "n_unmet_needs",
            0,
            5,
            "จำนวนความต้องการที่ไม่มีแผนรองรับอยู่ระหว่าง 0 ถึง 5",
            "Between 0 and 5 needs are unmet",
        ),
        *(
            at_least(
                "households_surveyed",
                f"households_in_need_{n}",
                f"ครัวเรือนที่มีความต้องการ ({n}) ไม่เกินครัวเรือนที่สำรวจ",
                f"No more households in need ({n}) than households surveyed",
            )
            for n in NEEDS
        ),
    ),
)
