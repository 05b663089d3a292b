"""The Dagster definitions: a snapshot of the graph (so a change shows up in review), and the
nightly job materialised end to end on a small simulated delivery with the APIs on loopback."""

from __future__ import annotations

import duckdb

from muban.nightly import run_nightly
from orchestration.definitions import defs
from simulator.server import ApiServer

EXPECTED_ASSETS = {
    "raw/cdd/certification": "cdd",
    "raw/cdd/community_plans": "cdd",
    "raw/dla/laos": "dla",
    "raw/dla/plan_projects": "dla",
    "raw/dopa/village_plans": "dopa",
    "raw/dopa/villages": "dopa",
    "raw/opsmoi/household_needs": "opsmoi",
}


def test_asset_graph_snapshot() -> None:
    graph = defs.resolve_asset_graph()
    groups = {key.to_user_string(): graph.get(key).group_name for key in graph.get_all_asset_keys()}
    assert groups == EXPECTED_ASSETS
    assert {j.name for j in defs.resolve_all_job_defs()} >= {"nightly"}
    schedule = defs.resolve_schedule_def("nightly_schedule")
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("0 1 * * *", "Asia/Bangkok")
    # DuckDB has one writer: every asset that writes the work database is in the pool of 1.
    assert all(set(graph.get(key).pools) == {"work_db"} for key in graph.get_all_asset_keys())


def test_nightly_job_ingests_files_and_apis(small, tmp_path) -> None:
    warehouse = tmp_path / "warehouse"
    with ApiServer(small.api) as api:
        outcome = run_nightly(
            warehouse, small.landing, dla_base_url=api.base_url, ckan_base_url=api.base_url
        )
        assert outcome.success, outcome.summary
        again = run_nightly(
            warehouse, small.landing, dla_base_url=api.base_url, ckan_base_url=api.base_url
        )
        assert again.success
    with duckdb.connect(str(warehouse / "work" / "work.duckdb"), read_only=True) as con:
        rows = dict(
            con.execute(
                "select dataset, sum(rows_read) from raw.deliveries where status = 'ingested' group by dataset"
            ).fetchall()
        )
    expected = {k: v for k, v in small.summary.rows.items()}
    assert rows == expected  # every delivered row or record, once, after two runs
