"""CDD: the community-plan workbook feeds two raw tables (plans and certification)."""

from orchestration.assets.raw import landing_asset

community_plans = landing_asset(
    ["cdd/community_plans", "cdd/certification"],
    "cdd",
    "CDD community plans and plan certification, as delivered.",
)
