"""The checks of a run, as Dagster asset checks.

- `delivery_expectations`: each delivered dataset's Great Expectations suite on every delivery
  (expectations/<agency>/<dataset>.py). It protects the agencies, not the analysts: a failed
  expectation is a warning that goes into the agency's report (`rpt_delivery_expectations`),
  never a reason to hold back the other agencies' data. A delivery is validated once per
  version of the suites; the results stay in the work database (`audit` schema).
- `publication_audit`: the published tables' suites (expectations/warehouse/) and row
  conservation, on the candidate file. Blocking: a failure publishes nothing.
- dbt's tests are asset checks of the dbt assets already (dagster-dbt); an error-severity test
  fails `dbt build` and nothing downstream, publishing included, runs.
"""

import hashlib
from pathlib import Path

import dagster as dg
import duckdb

from expectations.validate import PUBLISHED_SUITES
from ingest.datasets import DATASETS
from orchestration.assets import publish as publish_assets
from orchestration.assets.raw import WORK_DB_POOL, raw_key
from orchestration.resources import MubanWarehouse
from publish import publication
from publish.publication import CheckResult

ROOT = Path(__file__).resolve().parents[2]
# What a delivery suite is made of: its code, the staging macros and seeds it reads values and
# value sets from (expectations/sql.py), and the agreed columns (ingest/datasets.py).
SUITE_SOURCES = (
    *sorted((ROOT / "expectations").rglob("*.py")),
    *sorted((ROOT / "dbt_project" / "macros").glob("*.sql")),
    *sorted((ROOT / "dbt_project" / "seeds").glob("*.csv")),
    ROOT / "ingest" / "datasets.py",
)
DELIVERY_CHECK = "agreed_format"
CONSERVATION_CHECK = "rows_conserved"
VOLUME_CHECK = "plan_items_volume"


def suites_version() -> str:
    """Changes when anything a suite is made of changes: deliveries are then validated again."""
    digest = hashlib.sha256()
    for path in SUITE_SOURCES:
        digest.update(path.relative_to(ROOT).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def suite_check_name(table: str) -> str:
    return f"expectations_{table}"


def _store_delivery_results(con: duckdb.DuckDBPyConnection, dataset: str, version: str) -> None:
    """Validate the deliveries of `dataset` not yet validated by this version of its suite."""
    from expectations.validate import findings_table, validate_deliveries

    publish_assets.ensure_delivery_expectations(con)
    todo = [
        delivery_id
        for (delivery_id,) in con.execute(
            """
            select delivery_id from raw.deliveries
            where dataset = ? and status = 'ingested' and delivery_id not in (
                select target from audit.rpt_delivery_expectations where suites_version = ?
            )
            order by delivery_id
            """,
            [dataset, version],
        ).fetchall()
    ]
    if not todo:
        return
    con.register("findings", findings_table(validate_deliveries(con, dataset, todo)))
    con.execute("begin")
    con.execute(
        "delete from audit.rpt_delivery_expectations where target in (select unnest(?))", [todo]
    )
    con.execute(
        "insert into audit.rpt_delivery_expectations by name "
        "select *, ? as suites_version from findings",
        [version],
    )
    con.execute("commit")
    con.unregister("findings")


@dg.multi_asset_check(
    name="delivery_expectations",
    specs=[
        dg.AssetCheckSpec(
            DELIVERY_CHECK,
            asset=raw_key(dataset),
            # blocking so that dbt and the publication wait for the results; a failure is a
            # warning (severity WARN) and blocks nothing
            blocking=True,
            description=f"Every {dataset} delivery against the agreed format "
            f"(expectations/{dataset}.py); results in the agency's report.",
        )
        for dataset in DATASETS
    ],
    pool=WORK_DB_POOL,
)
def delivery_expectations(context: dg.AssetCheckExecutionContext, muban: MubanWarehouse):
    version = suites_version()
    with muban.work_db() as con:
        for dataset in DATASETS:
            _store_delivery_results(con, dataset, version)
            failing = con.execute(
                """
                select findings.target, count(*),
                    string_agg(distinct findings.expectation || '(' ||
                        coalesce(findings."column", '') || ')', ', ')
                from audit.rpt_delivery_expectations as findings
                join raw.deliveries as d on d.delivery_id = findings.target
                where d.dataset = ? and d.status = 'ingested' and not findings.success
                    and findings.suites_version = ?
                group by findings.target order by findings.target
                """,
                [dataset, version],
            ).fetchall()
            validated = con.execute(
                "select count(*) from raw.deliveries where dataset = ? and status = 'ingested'",
                [dataset],
            ).fetchall()[0][0]
            yield dg.AssetCheckResult(
                asset_key=raw_key(dataset),
                check_name=DELIVERY_CHECK,
                passed=not failing,
                severity=dg.AssetCheckSeverity.WARN,
                description=(
                    f"{len(failing)} of {validated} deliveries fall short of the agreed format"
                    if failing
                    else f"{validated} deliveries conform"
                ),
                metadata={
                    "deliveries": validated,
                    "deliveries falling short": len(failing),
                    **{
                        f"delivery {target}": f"{n} expectations failed: {what}"
                        for target, n, what in failing[:20]
                    },
                },
            )


def _conservation(con: duckdb.DuckDBPyConnection) -> CheckResult:
    """Per delivery: rows read = published + quarantined + superseded (warehouse.md promise 1)."""
    broken = con.execute(
        """
        select dataset || ' ' || source_file || ': read ' || rows_read || ', published ' ||
            rows_published || ', quarantined ' || rows_quarantined || ', superseded ' ||
            rows_superseded
        from main.rpt_delivery_quality
        where status = 'ingested' and not coalesce(is_conserved, false)
        order by delivery_id
        """
    ).fetchall()
    if not broken:
        deliveries = con.execute(
            "select count(*) from main.rpt_delivery_quality where status = 'ingested'"
        ).fetchall()[0][0]
        return CheckResult(CONSERVATION_CHECK, True, f"{deliveries} deliveries: every row kept")
    return CheckResult(
        CONSERVATION_CHECK,
        False,
        f"{len(broken)} deliveries lost or gained rows: "
        + "; ".join(line for (line,) in broken[:5]),
    )


def _volume(con: duckdb.DuckDBPyConnection, previous: Path | None, max_drop: float) -> CheckResult:
    """Each agency's plan items per fiscal year against the publication in place: a whole
    table's count hides one agency's truncated re-export, this does not."""
    if previous is None:
        return CheckResult(VOLUME_CHECK, True, "first publication: nothing to compare with")
    con.execute("attach ? as previous (read_only)", [str(previous)])
    try:
        shrunk = con.execute(
            """
            with
            now as (select source, fiscal_year, count(*) as n from main.fct_plan_item group by all),
            before as (
                select source, fiscal_year, count(*) as n from previous.main.fct_plan_item
                group by all
            )
            select before.source, before.fiscal_year, before.n, coalesce(now.n, 0)
            from before left join now using (source, fiscal_year)
            where coalesce(now.n, 0) < before.n * (1 - ?)
            order by all
            """,
            [max_drop],
        ).fetchall()
    finally:
        con.execute("detach previous")
    if not shrunk:
        return CheckResult(
            VOLUME_CHECK, True, f"no agency's plan items fell by more than {max_drop:.0%}"
        )
    return CheckResult(
        VOLUME_CHECK,
        False,
        "; ".join(
            f"{source} plan items of fiscal year {year} fell from {before:,} to {now:,} "
            f"(-{1 - now / before:.0%}, more than the {max_drop:.0%} allowed)"
            for source, year, before, now in shrunk
        )
        + ". A truncated or wrong delivery? If the drop is intended, run once with "
        "MUBAN_MAX_ROW_DROP=1.",
    )


def audit_candidate(
    candidate: Path, previous: Path | None, max_row_drop: float
) -> list[CheckResult]:
    """Every blocking check of a candidate publication, as `CheckResult`s."""
    from expectations.validate import validate_published

    previous_rows = publication.table_rows(previous) if previous else {}
    results = []
    with duckdb.connect(str(candidate), read_only=True) as con:
        for table in PUBLISHED_SUITES:
            outcome = validate_published(
                con, table, previous_rows=previous_rows.get(table), max_row_drop=max_row_drop
            )
            results.append(
                CheckResult(
                    suite_check_name(table),
                    outcome.success,
                    outcome.summary()
                    if not outcome.success
                    else f"{len(outcome.findings)} expectations met",
                )
            )
        results.append(_conservation(con))
        results.append(_volume(con, previous, max_row_drop))
    return results


@dg.multi_asset_check(
    name="publication_audit",
    specs=[
        *(
            dg.AssetCheckSpec(
                suite_check_name(table),
                asset=publish_assets.CANDIDATE,
                blocking=True,
                description=f"{table} meets its suite (expectations/warehouse/{table}.py).",
            )
            for table in PUBLISHED_SUITES
        ),
        dg.AssetCheckSpec(
            CONSERVATION_CHECK,
            asset=publish_assets.CANDIDATE,
            blocking=True,
            description="Per delivery, rows read = published + quarantined + superseded.",
        ),
        dg.AssetCheckSpec(
            VOLUME_CHECK,
            asset=publish_assets.CANDIDATE,
            blocking=True,
            description="No agency's plan items of a fiscal year shrink by more than "
            "max_row_drop from the publication in place.",
        ),
    ],
    pool=WORK_DB_POOL,
)
def publication_audit(context: dg.AssetCheckExecutionContext, muban: MubanWarehouse):
    settings = muban.settings()
    built = publication.candidate(settings.warehouse)
    if built is None:
        raise dg.Failure("no candidate publication to audit")
    published = settings.warehouse / publication.PUBLISHED_FILE
    results = audit_candidate(
        built.path, published if published.exists() else None, settings.max_row_drop
    )
    publish_assets.record_audit(built, results)
    for result in results:
        yield dg.AssetCheckResult(
            asset_key=publish_assets.CANDIDATE,
            check_name=result.name,
            passed=result.passed,
            severity=dg.AssetCheckSeverity.ERROR,
            description=result.detail,
            metadata={"publication_id": built.publication_id},
        )
