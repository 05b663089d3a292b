"""Write, audit, publish: the warehouse file is built aside (`warehouse/candidate`), the
blocking checks of orchestration/assets/audit.py run on it, and only then does
`warehouse/published` swap it in. A failed blocking check stops Dagster before the publish
step; `publish.publication.publish` refuses again unless the candidate's audit is on file,
so materialising `warehouse/published` alone from the UI cannot skip the checks."""

import json
from collections.abc import Iterable

import dagster as dg
import duckdb

from orchestration.assets.raw import WORK_DB_POOL
from orchestration.assets.transform import muban_dbt
from orchestration.resources import MubanWarehouse
from publish import publication
from publish.publication import CheckResult

CANDIDATE = dg.AssetKey(["warehouse", "candidate"])
PUBLISHED = dg.AssetKey(["warehouse", "published"])
MART_KEYS = sorted(
    (key for key in muban_dbt.keys if key.path[0] == "marts"), key=lambda k: k.path[-1]
)
# What a publication holds: every mart, and the agencies' expectation results per delivery.
PUBLISHED_TABLES = [
    *(f"marts.{key.path[-1]}" for key in MART_KEYS),
    "audit.rpt_delivery_expectations",
]
AUDIT_SUFFIX = ".checks.json"


def ensure_delivery_expectations(con: duckdb.DuckDBPyConnection) -> None:
    """audit.rpt_delivery_expectations: one row per delivery and expectation of its suite
    (written by the delivery_expectations check, published as it is)."""
    con.execute("create schema if not exists audit")
    con.execute(
        """
        create table if not exists audit.rpt_delivery_expectations (
            suite varchar, target varchar, expectation varchar, "column" varchar,
            success boolean, element_count bigint, unexpected_count bigint,
            unexpected_percent double, examples varchar[], description_th varchar,
            description_en varchar, suites_version varchar
        )
        """
    )


def audit_file(candidate: publication.Publication) -> str:
    return str(candidate.path) + AUDIT_SUFFIX


def record_audit(candidate: publication.Publication, checks: Iterable[CheckResult]) -> None:
    """The candidate's blocking checks, kept beside it for the publish step."""
    with open(audit_file(candidate), "w", encoding="utf-8") as out:
        json.dump([check.__dict__ for check in checks], out, ensure_ascii=False)


def audited(candidate: publication.Publication) -> list[CheckResult]:
    try:
        with open(audit_file(candidate), encoding="utf-8") as recorded:
            return [CheckResult(**check) for check in json.load(recorded)]
    except FileNotFoundError:
        return [
            CheckResult(
                "audit",
                False,
                f"candidate {candidate.publication_id} was never audited: materialise "
                "warehouse/candidate with its checks (the nightly job does)",
            )
        ]


@dg.asset(
    key=CANDIDATE,
    deps=MART_KEYS,
    group_name="warehouse",
    kinds={"duckdb"},
    pool=WORK_DB_POOL,
    description="The next publication, built aside in <warehouse>/.next/ for the audit.",
)
def candidate(context: dg.AssetExecutionContext, muban: MubanWarehouse) -> dg.MaterializeResult:
    settings = muban.settings()
    with muban.work_db() as con:
        ensure_delivery_expectations(con)
    built = publication.build_next(settings.work_db, settings.warehouse, PUBLISHED_TABLES)
    rows = publication.table_rows(built.path)
    context.log.info(f"candidate {built.publication_id}: {len(rows)} tables")
    return dg.MaterializeResult(
        metadata={
            "publication_id": built.publication_id,
            "path": dg.MetadataValue.path(str(built.path)),
            **{f"rows {name}": dg.MetadataValue.int(n) for name, n in rows.items()},
        }
    )


def _other_checks_of_run(context: dg.AssetExecutionContext) -> list[CheckResult]:
    """dbt tests and the delivery suites evaluated in this run, recorded with the
    publication (they already stopped the run if they had to)."""
    records = context.instance.get_records_for_run(
        context.run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
    ).records
    results = []
    for record in records:
        evaluation = record.event_log_entry.dagster_event.event_specific_data
        if evaluation.asset_key == CANDIDATE:
            continue  # on file beside the candidate
        results.append(
            CheckResult(
                f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}",
                evaluation.passed,
                evaluation.description or "",
                blocking=evaluation.severity == dg.AssetCheckSeverity.ERROR,
            )
        )
    return results


@dg.asset(
    key=PUBLISHED,
    deps=[CANDIDATE],
    group_name="warehouse",
    kinds={"duckdb"},
    pool=WORK_DB_POOL,
    description="warehouse/village_plans.duckdb: the audited candidate, swapped in atomically.",
)
def published(context: dg.AssetExecutionContext, muban: MubanWarehouse) -> dg.MaterializeResult:
    settings = muban.settings()
    built = publication.candidate(settings.warehouse)
    if built is None:
        raise dg.Failure("no candidate publication: materialise warehouse/candidate first")
    checks = [*audited(built), *_other_checks_of_run(context)]
    done = publication.publish(
        built, settings.warehouse, audit=lambda _: checks, keep=settings.keep_publications
    )
    context.log.info(f"published {done.publication_id} ({len(checks)} checks passed)")
    return dg.MaterializeResult(
        metadata={
            "publication_id": done.publication_id,
            "path": dg.MetadataValue.path(str(done.path)),
            "checks": dg.MetadataValue.int(len(checks)),
        }
    )
