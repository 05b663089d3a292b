"""The Dagster definitions: a snapshot of the graph (so a change shows up in review), and the
nightly job materialised end to end on a small simulated delivery with the APIs on loopback."""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb

from ingest.datasets import DATASETS
from muban.dbt import DBT_PROJECT_DIR
from muban.nightly import run_nightly
from orchestration.definitions import defs
from publish.publication import PUBLISHED_FILE, publications
from tests.conftest import clone_warehouse, published_rows

SNAPSHOT = Path(__file__).with_name("asset_graph.snapshot.json")


def graph_snapshot() -> dict[str, dict[str, object]]:
    graph = defs.resolve_asset_graph()
    return {
        key.to_user_string(): {
            "group": graph.get(key).group_name,
            "deps": sorted(parent.to_user_string() for parent in graph.get(key).parent_keys),
            "pools": sorted(graph.get(key).pools or []),
        }
        for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string())
        if graph.get(key).is_materializable
    }


def test_asset_graph_matches_the_reviewed_snapshot() -> None:
    """Every asset key, dependency, group and pool; regenerate with MUBAN_UPDATE_SNAPSHOTS=1
    and review the diff like code."""
    current = graph_snapshot()
    if os.environ.get("MUBAN_UPDATE_SNAPSHOTS"):
        SNAPSHOT.write_text(
            json.dumps(current, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
    assert current == json.loads(SNAPSHOT.read_text(encoding="utf-8"))


def test_jobs_schedules_and_the_single_writer() -> None:
    graph = defs.resolve_asset_graph()
    assert {j.name for j in defs.resolve_all_job_defs()} >= {"nightly"}
    schedule = defs.resolve_schedule_def("nightly_schedule")
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("0 1 * * *", "Asia/Bangkok")
    # DuckDB has one writer: every asset that writes the work database is in the pool of 1.
    materializable = [k for k in graph.get_all_asset_keys() if graph.get(k).is_materializable]
    assert all(set(graph.get(key).pools) == {"work_db"} for key in materializable)
    groups = {graph.get(k).group_name for k in materializable}
    assert {"dopa", "cdd", "dla", "opsmoi", "ingest", "reference"} <= groups


def test_a_rerun_counts_nothing_twice_and_publishes_the_same(
    published_small, small, small_api, tmp_path
) -> None:
    """Promise 4: the nightly job run again on the same landing (files and APIs) ingests
    nothing twice and publishes the same tables."""
    warehouse = clone_warehouse(published_small, tmp_path / "warehouse")
    again = run_nightly(
        warehouse,
        small.landing,
        dla_base_url=small_api["MUBAN_DLA_BASE_URL"],
        ckan_base_url=small_api["MUBAN_CKAN_BASE_URL"],
    )
    assert again.success, again.summary
    with duckdb.connect(str(warehouse / "work" / "work.duckdb"), read_only=True) as con:
        rows = dict(
            con.execute(
                "select dataset, sum(rows_read) from raw.deliveries where status = 'ingested' group by dataset"
            ).fetchall()
        )
    assert rows == dict(small.summary.rows)  # every delivered row or record, once, after two runs
    assert len(publications(warehouse)) == 2
    assert published_rows(warehouse / PUBLISHED_FILE) == published_rows(
        published_small / PUBLISHED_FILE
    )
    # dbt worked in the warehouse's own target folder, reused from run to run (its parse state
    # with it), and left nothing in the project
    target = warehouse / "work" / "dbt_target"
    assert {"partial_parse.msgpack", "run_results.json", "dbt.log"} <= {
        p.name for p in target.iterdir()
    }
    assert not list((DBT_PROJECT_DIR / "target").glob("muban_dbt-*"))


def test_the_checks_stand_between_the_build_and_the_publication() -> None:
    from orchestration.assets import audit, publish

    graph = defs.resolve_asset_graph()
    checks = {key.name: key for key in graph.asset_check_keys if key.asset_key == publish.CANDIDATE}
    # every published table's suite, row conservation and the volume guard, all blocking
    assert {"rows_conserved", "plan_items_volume", "expectations_fct_plan_item"} <= set(checks)
    specs = list(audit.publication_audit.check_specs)
    assert {spec.name for spec in specs} == set(checks)
    assert all(spec.blocking for spec in specs)
    assert graph.get(publish.PUBLISHED).parent_keys == {publish.CANDIDATE}
    # each delivered dataset's suite runs on its raw asset before dbt reads it
    delivery = list(audit.delivery_expectations.check_specs)
    assert {spec.asset_key.to_user_string() for spec in delivery} == {
        f"raw/{dataset}" for dataset in DATASETS
    }
    assert all(spec.blocking for spec in delivery)
    # dbt's tests are asset checks of the dbt models
    assert sum(key.asset_key.path[0] == "marts" for key in graph.asset_check_keys) > 50
