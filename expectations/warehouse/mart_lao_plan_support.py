"""mart_lao_plan_support: whether and how much each LAO budgets the community-plan process."""

from __future__ import annotations

from expectations import published as p
from expectations import sql
from expectations.suite import Suite, at_least

REQUIRED = (
    "lao_code",
    "fiscal_year",
    "lao_type",
    "budget_thb",
    "budgets_planning_process",
    "planning_process_budget_thb",
    "planning_process_budget_share",
)
_lao = p.known("lao_code", "dim_lao")

SUITE = Suite(
    name="warehouse/mart_lao_plan_support",
    required=REQUIRED,
    columns=(
        *p.as_is("lao_code", "lao_type", "budgets_planning_process"),
        *(
            p.number(c)
            for c in (
                "fiscal_year",
                "budget_thb",
                "planning_process_budget_thb",
                "planning_process_budget_share",
                "share_villages_covered",
            )
        ),
        _lao[0],
    ),
    checks=(
        p.agreed_columns(REQUIRED),
        p.grain(("lao_code", "fiscal_year")),
        p.required("lao_code"),
        _lao[1],
        *p.fiscal_year(),
        p.one_of("lao_type", sql.LAO_TYPES),
        p.required("budgets_planning_process"),
        p.amount("budget_thb"),
        p.amount("planning_process_budget_thb"),
        at_least(
            "budget_thb",
            "planning_process_budget_thb",
            "งบประมาณกระบวนการแผนชุมชนไม่เกินงบประมาณทั้งหมดของ อปท.",
            "The planning-process budget is at most the LAO's whole budget",
        ),
        p.share("planning_process_budget_share"),
        p.share("share_villages_covered"),
    ),
    empty_until_delivered=True,
)
