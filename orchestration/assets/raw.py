"""Helpers shared by the agencies' raw assets."""

# No `from __future__ import annotations`: Dagster inspects the context annotation at runtime.
import dagster as dg
import duckdb

from ingest.api import ingest_apis
from ingest.landing import ingest_landing
from orchestration.resources import MubanWarehouse

WORK_DB_POOL = "work_db"  # DuckDB has one writer: the pool is limited to 1 (dagster.yaml)


def raw_key(dataset: str) -> dg.AssetKey:
    agency, name = dataset.split("/")
    return dg.AssetKey(["raw", agency, name])


def deliveries_metadata(
    con: duckdb.DuckDBPyConnection, datasets: list[str]
) -> dict[str, dg.MetadataValue]:
    counts = con.execute(
        """
        select dataset,
               count(*) filter (where status = 'ingested'),
               count(*) filter (where status = 'rejected'),
               coalesce(sum(rows_read) filter (where status = 'ingested'), 0)
        from raw.deliveries where dataset in (select unnest(?)) group by dataset
        """,
        [datasets],
    ).fetchall()
    meta: dict[str, dg.MetadataValue] = {}
    for dataset, ingested, rejected, rows in counts:
        meta[f"{dataset} deliveries ingested"] = dg.MetadataValue.int(ingested)
        meta[f"{dataset} deliveries rejected"] = dg.MetadataValue.int(rejected)
        meta[f"{dataset} rows"] = dg.MetadataValue.int(int(rows))
    return meta


def landing_asset(datasets: list[str], group: str, description: str) -> dg.AssetsDefinition:
    """A raw asset fed from the landing folder (one file can feed several datasets)."""

    @dg.multi_asset(
        name="raw_" + "_".join(d.replace("/", "__") for d in datasets[:1]),
        specs=[
            dg.AssetSpec(raw_key(d), group_name=group, kinds={"duckdb"}, description=description)
            for d in datasets
        ],
        pool=WORK_DB_POOL,
    )
    def _asset(context: dg.AssetExecutionContext, muban: MubanWarehouse):
        settings = muban.settings()
        with muban.work_db() as con:
            report = ingest_landing(settings, con, set(datasets))
            context.log.info(f"landing: {report}")
            meta = deliveries_metadata(con, datasets)
        for dataset in datasets:
            yield dg.MaterializeResult(asset_key=raw_key(dataset), metadata=meta)

    return _asset


def api_asset(dataset: str, group: str, description: str) -> dg.AssetsDefinition:
    """A raw asset pulled from an agency API."""

    @dg.asset(
        key=raw_key(dataset),
        group_name=group,
        kinds={"duckdb"},
        description=description,
        pool=WORK_DB_POOL,
    )
    def _asset(context: dg.AssetExecutionContext, muban: MubanWarehouse) -> dg.MaterializeResult:
        settings = muban.settings()
        with muban.work_db() as con:
            outcome = ingest_apis(settings, con, {dataset})
            context.log.info(f"{dataset}: {outcome[dataset]}")
            meta = deliveries_metadata(con, [dataset])
        return dg.MaterializeResult(metadata={"outcome": outcome[dataset], **meta})

    return _asset


def manifest_asset(upstream: list[dg.AssetKey]) -> dg.AssetsDefinition:
    """`raw/deliveries`: the delivery manifest, complete once every raw asset has run."""

    @dg.asset(
        key=dg.AssetKey(["raw", "deliveries"]),
        group_name="ingest",
        kinds={"duckdb"},
        deps=upstream,
        description="The delivery manifest: every delivery, its status and reason.",
        pool=WORK_DB_POOL,
    )
    def _asset(muban: MubanWarehouse) -> dg.MaterializeResult:
        with muban.work_db() as con:
            counts = con.execute(
                "select status, count(*) from raw.deliveries group by status"
            ).fetchall()
        return dg.MaterializeResult(
            metadata={f"deliveries {s}": dg.MetadataValue.int(n) for s, n in counts}
        )

    return _asset
