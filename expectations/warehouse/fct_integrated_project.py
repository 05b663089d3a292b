"""fct_integrated_project: one row per real-world project after cross-agency reconciliation."""

from __future__ import annotations

from expectations import published as p
from expectations import sql
from expectations.suite import Suite, at_least, between, derived, equal

REQUIRED = (
    "integrated_project_id",
    "fiscal_year",
    "village_code",
    "subdistrict_code",
    "title",
    "dimension_code",
    "sources",
    "n_plan_items",
    "budget_thb",
    "budget_reported_thb",
    "is_duplicated",
)
# A project holds at most one plan item of each agency.
_SOURCE_SETS = {"cdd", "dla", "dopa", "cdd,dla", "cdd,dopa", "dla,dopa", "cdd,dla,dopa"}
_village = p.known("village_code", "dim_village")
_subdistrict = p.known("subdistrict_code", "dim_subdistrict")

SUITE = Suite(
    name="warehouse/fct_integrated_project",
    required=REQUIRED,
    columns=(
        *p.as_is("integrated_project_id", "title", "dimension_code", "is_duplicated"),
        p.number("fiscal_year"),
        p.number("n_plan_items"),
        p.number("budget_thb"),
        p.number("budget_reported_thb"),
        derived("sources_list", "array_to_string(list_sort(sources), ',')", "sources"),
        derived("several_plan_items", "n_plan_items > 1", "n_plan_items"),
        _village[0],
        _subdistrict[0],
    ),
    checks=(
        p.agreed_columns(REQUIRED),
        *p.key("integrated_project_id", "รหัสโครงการบูรณาการ"),
        *p.fiscal_year(),
        p.required("title"),
        p.required("dimension_code"),
        p.one_of("dimension_code", sql.DIMENSION_CODES),
        p.required("sources_list"),
        p.one_of("sources_list", _SOURCE_SETS),
        between(
            "n_plan_items",
            1,
            3,
            "โครงการหนึ่งมีรายการแผน 1 ถึง 3 รายการ (ไม่เกินหน่วยงานละหนึ่ง)",
            "A project holds 1 to 3 plan items (at most one per agency)",
        ),
        equal(
            "is_duplicated",
            "several_plan_items",
            "is_duplicated เป็นจริงเมื่อมีมากกว่าหนึ่งหน่วยงานวางแผนโครงการนี้",
            "is_duplicated holds exactly when more than one agency plans the project",
        ),
        p.amount("budget_thb"),
        p.amount("budget_reported_thb"),
        at_least(
            "budget_reported_thb",
            "budget_thb",
            "งบประมาณรวมที่หน่วยงานรายงานไม่น้อยกว่างบประมาณที่ประมาณการ",
            "The budget reported over agencies is at least the best single estimate",
        ),
        _village[1],
        _subdistrict[1],
    ),
)
