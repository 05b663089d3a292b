"""Assembles the Definitions; the assets live in orchestration/assets/<agency>.py."""

from __future__ import annotations

import dagster as dg

from muban import settings as process_settings
from orchestration.assets import cdd, dla, dopa, opsmoi
from orchestration.resources import MubanWarehouse

process_settings.apply()

RAW_ASSETS = [
    dopa.village_registry,
    dopa.village_plans,
    cdd.community_plans,
    dla.lao_registry,
    dla.plan_projects,
    opsmoi.household_needs,
]

nightly = dg.define_asset_job(
    "nightly",
    selection=dg.AssetSelection.all(),
    description="Ingest every delivery (later: transform, check, publish, report).",
    executor_def=dg.in_process_executor,
)

defs = dg.Definitions(
    assets=RAW_ASSETS,
    resources={"muban": MubanWarehouse()},
    jobs=[nightly],
    schedules=[
        dg.ScheduleDefinition(
            job=nightly, cron_schedule="0 1 * * *", execution_timezone="Asia/Bangkok"
        )
    ],
)
