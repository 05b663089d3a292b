"""DLA: the LAO registry (landing file) and the local development plans (API)."""

from orchestration.assets.raw import api_asset, landing_asset

lao_registry = landing_asset(
    ["dla/laos"], "dla", "DLA registry of LAOs and the villages they serve."
)
plan_projects = api_asset(
    "dla/plan_projects", "dla", "DLA five-year plan projects, every edition, from the API."
)
