"""fct_plan_item: one row per published plan record and fiscal year (warehouse.md)."""

from __future__ import annotations

from expectations import published as p
from expectations import sql
from expectations.suite import Suite

_village = p.known("village_code", "dim_village")
_subdistrict = p.known("subdistrict_code", "dim_subdistrict")
_province = p.known("province_code", "dim_province")
_lao = p.known("lao_code", "dim_lao")
_project = p.known("integrated_project_id", "fct_integrated_project")

REQUIRED = (
    "plan_item_id",
    "source",
    "source_file",
    "source_row",
    "fiscal_year",
    "village_code",
    "subdistrict_code",
    "lao_code",
    "title",
    "dimension_code",
    "implementation",
    "budget_thb",
    "match_method",
    "match_confidence",
    "integrated_project_id",
)

SUITE = Suite(
    name="warehouse/fct_plan_item",
    required=REQUIRED,
    columns=(
        *p.as_is("plan_item_id", "source", "source_file", "source_row", "title"),
        *p.as_is("dimension_code", "implementation", "integrated_project_id"),
        p.number("fiscal_year"),
        p.number("budget_thb"),
        p.number("match_confidence"),
        *(column for column, _ in (_village, _subdistrict, _province, _lao, _project)),
    ),
    checks=(
        p.agreed_columns(REQUIRED),
        *p.key("plan_item_id", "รหัสรายการแผน"),
        p.required("source"),
        p.one_of("source", sql.PLAN_SOURCES),
        p.required("source_file"),
        p.required("source_row"),
        *p.fiscal_year(),
        p.required("title"),
        p.required("dimension_code"),
        p.one_of("dimension_code", sql.DIMENSION_CODES),
        p.one_of("implementation", sql.IMPLEMENTATIONS),
        p.amount("budget_thb"),
        p.required("match_confidence"),
        p.share("match_confidence"),
        p.required("integrated_project_id"),
        *(check for _, check in (_village, _subdistrict, _province, _lao, _project)),
    ),
)
