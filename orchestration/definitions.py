"""Assembles the Definitions; the assets live in orchestration/assets/<agency>.py."""

from __future__ import annotations

import dagster as dg

from muban import settings as process_settings
from orchestration.assets import agency_reports, audit, cdd, dla, dopa, opsmoi, publish, transform
from orchestration.assets.raw import manifest_asset
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

MANIFEST = manifest_asset([key for asset in RAW_ASSETS for key in asset.keys])

nightly = dg.define_asset_job(
    "nightly",
    selection=dg.AssetSelection.all(),
    description="Ingest every delivery, build the dbt project, audit the candidate "
    "publication, publish it and report to the agencies.",
    executor_def=dg.in_process_executor,
)

defs = dg.Definitions(
    assets=[
        *RAW_ASSETS,
        MANIFEST,
        transform.muban_dbt,
        publish.candidate,
        publish.published,
        agency_reports.agency_reports,
    ],
    asset_checks=[audit.delivery_expectations, audit.publication_audit],
    resources={"muban": MubanWarehouse(), "dbt": transform.dbt_resource},
    jobs=[nightly],
    schedules=[
        dg.ScheduleDefinition(
            job=nightly, cron_schedule="0 1 * * *", execution_timezone="Asia/Bangkok"
        )
    ],
)
