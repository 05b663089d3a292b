"""`muban run`: the Dagster job `nightly`, executed in this process (the definitions are the
ones `dagster dev` loads)."""

from __future__ import annotations

import logging
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
    level = min(logging.getLogger().getEffectiveLevel(), logging.INFO)
    import dagster as dg
    import duckdb

    from ingest.settings import Settings
    from orchestration.assets.publish import PUBLISHED
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
            # `muban -v run` shows every Dagster event (step starts and ends) too
            "loggers": {"console": {"config": {"log_level": logging.getLevelName(level)}}},
        },
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    resolved = Settings.load(config, warehouse=warehouse, landing=landing)
    published = any(
        event.is_step_materialization and event.asset_key == PUBLISHED
        for event in result.all_events
    )
    success = result.success and published
    lines = [f"nightly run {'succeeded' if success else 'FAILED'}"]
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
    lines.extend(_checks_summary(result))
    if not result.success:
        for event in result.all_events:
            if event.is_step_failure and not _is_check_failure(event):
                lines.append(
                    f"  step failed: {event.step_key}: {event.event_specific_data.error.message.strip()}"
                )
    if resolved.work_db.exists():
        lines.extend(_warehouse_summary(resolved.work_db))
    lines.extend(_publication_summary(published, resolved.warehouse))
    lines.extend(_reports_summary(result))
    return Outcome(success, "\n".join(lines))


def _is_check_failure(event: object) -> bool:
    """A step that failed only because a blocking check failed: the check is listed already."""
    error = event.event_specific_data.error  # type: ignore[attr-defined]
    return error is not None and "DagsterAssetCheckFailedError" in (
        f"{error.cls_name} {error.message}"
    )


def _checks_summary(result: object) -> list[str]:
    """Every failed check of the run: blocking ones stopped the publication, warnings did not."""
    import dagster as dg

    lines = []
    evaluations = [
        event.event_specific_data
        for event in result.all_events  # type: ignore[attr-defined]
        if event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION
    ]
    failed = [e for e in evaluations if not e.passed]
    blocking = [e for e in failed if e.severity == dg.AssetCheckSeverity.ERROR]
    lines.append(
        f"checks: {len(evaluations)} run, {len(blocking)} blocking failed, "
        f"{len(failed) - len(blocking)} warnings"
    )
    for evaluation in sorted(failed, key=lambda e: (e.severity.value, e.check_name)):
        kind = "CHECK FAILED" if evaluation.severity == dg.AssetCheckSeverity.ERROR else "warning"
        lines.append(
            f"  {kind}: {evaluation.asset_key.to_user_string()}:{evaluation.check_name}: "
            f"{(evaluation.description or '').strip()}"
        )
    return lines


def _publication_summary(published: bool, warehouse: Path) -> list[str]:
    from publish.publication import PUBLISHED_FILE, candidate, current_publication

    current = current_publication(warehouse)
    if published and current is not None:
        return [f"published {current.publication_id}: {warehouse / PUBLISHED_FILE}"]
    kept = f"publication {current.publication_id} stays" if current else "nothing is published yet"
    lines = [f"NOT PUBLISHED: {kept}, unchanged"]
    refused = candidate(warehouse)
    if refused is not None:
        lines.append(f"  refused candidate: {refused.path} (kept until the next run)")
    return lines


def _reports_summary(result: object) -> list[str]:
    from orchestration.assets.agency_reports import AGENCY_REPORTS

    for event in result.all_events:  # type: ignore[attr-defined]
        if event.is_step_materialization and event.asset_key == AGENCY_REPORTS:
            metadata = event.event_specific_data.materialization.metadata
            return [f"agency reports: {metadata['folder'].value}"] + [
                f"  {line}" for line in metadata["summary"].value.splitlines()
            ]
    return []


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
