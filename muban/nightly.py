"""`muban run`: the Dagster job `nightly`, executed in this process (the definitions are the
ones `dagster dev` loads)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from muban import settings


@dataclass
class Outcome:
    success: bool
    summary: str


def run_nightly(
    warehouse: Path,
    landing: Path | None = None,
    config: Path | None = None,
    dla_base_url: str | None = None,
    ckan_base_url: str | None = None,
) -> Outcome:
    settings.apply()
    import dagster as dg
    import duckdb

    from ingest.settings import Settings
    from orchestration.definitions import defs

    resource = {
        "warehouse": str(warehouse),
        "landing": str(landing) if landing else "",
        "config_file": str(config) if config else "",
        "dla_base_url": dla_base_url or "",
        "ckan_base_url": ckan_base_url or "",
    }
    result = defs.resolve_job_def("nightly").execute_in_process(
        run_config={
            "resources": {"muban": {"config": resource}},
            "loggers": {"console": {"config": {"log_level": "INFO"}}},
        },
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    resolved = Settings.load(config, warehouse=warehouse, landing=landing)
    lines = [f"nightly run {'succeeded' if result.success else 'FAILED'}"]
    if resolved.work_db.exists():
        with duckdb.connect(str(resolved.work_db), read_only=True) as con:
            rows = con.execute(
                """
                select dataset, status, count(*), coalesce(sum(rows_read), 0)
                from raw.deliveries group by all order by all
                """
            ).fetchall()
        for dataset, status, deliveries, rows_read in rows:
            lines.append(
                f"  {dataset:26} {status:9} {deliveries:>5} deliveries {rows_read:>10} rows"
            )
    if not result.success:
        for event in result.all_events:
            if event.is_step_failure:
                lines.append(
                    f"  step failed: {event.step_key}: {event.event_specific_data.error.message.strip()}"
                )
    lines.append(
        "dbt: staging built; reconciliation and marts (issue 4), checks, publish and reports (issue 5) to come."
    )
    return Outcome(result.success, "\n".join(lines))
