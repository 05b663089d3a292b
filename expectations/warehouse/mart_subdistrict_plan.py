"""mart_subdistrict_plan: the tambon-level integrated plan per subdistrict and fiscal year."""

from __future__ import annotations

from expectations import published as p
from expectations.suite import Suite, at_least, between

AGENCY_BUDGETS = ("budget_dopa_thb", "budget_cdd_thb", "budget_dla_thb")
REQUIRED = (
    "subdistrict_code",
    "fiscal_year",
    "n_villages",
    "n_villages_without_plan",
    "villages_without_plan",
    "dimensions_planned",
    "dimensions_missing",
    "n_integrated_projects",
    "n_duplicated_projects",
    "budget_thb",
    "budget_reported_thb",
    *AGENCY_BUDGETS,
)
_subdistrict = p.known("subdistrict_code", "dim_subdistrict")

SUITE = Suite(
    name="warehouse/mart_subdistrict_plan",
    required=REQUIRED,
    columns=(
        *p.as_is("subdistrict_code"),
        *(
            p.number(c)
            for c in (
                "fiscal_year",
                "n_villages",
                "n_villages_without_plan",
                "n_integrated_projects",
                "n_duplicated_projects",
                "budget_thb",
                "budget_reported_thb",
                *AGENCY_BUDGETS,
            )
        ),
        _subdistrict[0],
    ),
    checks=(
        p.agreed_columns(REQUIRED),
        p.grain(("subdistrict_code", "fiscal_year")),
        p.required("subdistrict_code"),
        _subdistrict[1],
        *p.fiscal_year(),
        between("n_villages", 1, None, "ตำบลมีหมู่บ้านอย่างน้อยหนึ่งแห่ง", "A subdistrict has at least one village"),
        at_least(
            "n_villages",
            "n_villages_without_plan",
            "หมู่บ้านที่ไม่มีแผนไม่เกินจำนวนหมู่บ้าน",
            "No more villages without a plan than villages",
        ),
        at_least(
            "n_integrated_projects",
            "n_duplicated_projects",
            "โครงการที่ซ้ำซ้อนไม่เกินจำนวนโครงการ",
            "No more duplicated projects than projects",
        ),
        *(p.amount(c) for c in ("budget_thb", "budget_reported_thb", *AGENCY_BUDGETS)),
        at_least(
            "budget_reported_thb",
            "budget_thb",
            "งบประมาณรวมที่หน่วยงานรายงานไม่น้อยกว่างบประมาณหลังตัดรายการซ้ำ",
            "The budget reported over agencies is at least the budget without double counting",
        ),
    ),
)
