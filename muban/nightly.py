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
    if resolved.work_db.exists():
        lines.extend(_warehouse_summary(resolved.work_db))
    lines.append(
        "checks, publish and agency reports: issue 5 (the warehouse is built, not yet published)."
    )
    return Outcome(result.success, "\n".join(lines))


def _warehouse_summary(work_db: Path) -> list[str]:
    """What the reconciled warehouse holds, when dbt got that far."""
    import duckdb

    with duckdb.connect(str(work_db), read_only=True) as con:
        built = {
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        }
        if not {"fct_plan_item", "fct_integrated_project", "quarantine"} <= built:
            return []
        items, projects, duplicated, reported, budget = con.execute(
            """
            select
                (select count(*) from marts.fct_plan_item),
                count(*),
                count(*) filter (where is_duplicated),
                coalesce(sum(budget_reported_thb), 0),
                coalesce(sum(budget_thb), 0)
            from marts.fct_integrated_project
            """
        ).fetchall()[0]
        quarantined = con.execute("select count(*) from marts.quarantine").fetchall()[0][0]
    return [
        f"warehouse: {items:,} plan items in {projects:,} integrated projects "
        f"({duplicated:,} planned by more than one agency), {quarantined:,} rows quarantined",
        f"  budget as planned {reported:,.0f} THB; without double counting {budget:,.0f} THB",
    ]
