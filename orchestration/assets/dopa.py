"""DOPA: the village registry and the village committees' plans (landing files)."""

from orchestration.assets.raw import landing_asset

village_registry = landing_asset(
    ["dopa/villages"], "dopa", "DOPA village registry snapshots, as delivered."
)
village_plans = landing_asset(
    ["dopa/village_plans"], "dopa", "DOPA village development plans, as delivered."
)
